// The failure dump's BTF rendering, against BTF built in memory (no root, no
// kernel): what a user reads for a map's globals and entries.
#include "guest/bpf_introspect.h"

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstring>
#include <memory>

namespace ktstr {
namespace {

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;

/// A .bss-like BTF: u64 nr_enqueued at 0, u32 test_error_cnt at 8, struct
/// stats {u32 a; u32 b;} st at 12. Returns the DATASEC id in *sec, the struct id in *st.
BtfPtr bss_btf(int* sec, int* st) {
  BtfPtr b(btf__new_empty());
  int u64 = btf__add_int(b.get(), "u64", 8, 0);
  int u32 = btf__add_int(b.get(), "u32", 4, 0);
  *st = btf__add_struct(b.get(), "stats", 8);
  btf__add_field(b.get(), "a", u32, 0, 0);
  btf__add_field(b.get(), "b", u32, 32, 0);
  int v1 = btf__add_var(b.get(), "nr_enqueued", BTF_VAR_GLOBAL_ALLOCATED, u64);
  int v2 = btf__add_var(b.get(), "test_error_cnt", BTF_VAR_GLOBAL_ALLOCATED, u32);
  int v3 = btf__add_var(b.get(), "st", BTF_VAR_GLOBAL_ALLOCATED, *st);
  *sec = btf__add_datasec(b.get(), ".bss", 20);
  btf__add_datasec_var_info(b.get(), v1, 0, 8);
  btf__add_datasec_var_info(b.get(), v2, 8, 4);
  btf__add_datasec_var_info(b.get(), v3, 12, 8);
  return b;
}

TEST(BpfIntrospect, DatasecRendersEachGlobalAsNameEqualsValue) {
  int sec = 0, st = 0;
  BtfPtr b = bss_btf(&sec, &st);
  ASSERT_GT(sec, 0);
  unsigned char data[20] = {};
  std::uint64_t n = 123;
  std::uint32_t e = 7, a = 1, bb = 2;
  memcpy(data, &n, 8);
  memcpy(data + 8, &e, 4);
  memcpy(data + 12, &a, 4);
  memcpy(data + 16, &bb, 4);
  EXPECT_EQ(render_btf_value(b.get(), sec, data, sizeof data),
            "nr_enqueued = 123\ntest_error_cnt = 7\nst = {.a = 1,.b = 2,}");
}

TEST(BpfIntrospect, StructRendersItsMembersWithZeroes) {
  int sec = 0, st = 0;
  BtfPtr b = bss_btf(&sec, &st);
  std::uint32_t v[2] = {0, 42};
  EXPECT_EQ(render_btf_value(b.get(), st, v, sizeof v), "{.a = 0,.b = 42,}");
}

TEST(BpfIntrospect, NoBtfOrTooFewBytesGivesHex) {
  unsigned char d[3] = {0x00, 0xab, 0x10};
  EXPECT_EQ(render_btf_value(nullptr, 1, d, 3), "00 ab 10");
  int sec = 0, st = 0;
  BtfPtr b = bss_btf(&sec, &st);
  // A struct of 8 bytes over 3 bytes of data: btf_dump refuses, hex instead.
  EXPECT_EQ(render_btf_value(b.get(), st, d, 3), "00 ab 10");
  // A DATASEC whose variables lie past the data renders none of them.
  EXPECT_EQ(render_btf_value(b.get(), sec, d, 3), "");
}

TEST(BpfIntrospect, CharArraysAndArraysOfIntsRenderReadably) {
  BtfPtr b(btf__new_empty());
  int chr = btf__add_int(b.get(), "char", 1, BTF_INT_SIGNED);
  int u32 = btf__add_int(b.get(), "u32", 4, 0);
  int idx = btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED);
  int str = btf__add_array(b.get(), idx, chr, 12);
  int nums = btf__add_array(b.get(), idx, u32, 3);
  int v1 = btf__add_var(b.get(), "msg", BTF_VAR_GLOBAL_ALLOCATED, str);
  int v2 = btf__add_var(b.get(), "seqs", BTF_VAR_GLOBAL_ALLOCATED, nums);
  int sec = btf__add_datasec(b.get(), ".data", 24);
  btf__add_datasec_var_info(b.get(), v1, 0, 12);
  btf__add_datasec_var_info(b.get(), v2, 12, 12);
  unsigned char data[24] = {'h', 'i', ' ', '"', 'x', '"', '\n', 1, 0, 'z', 'z', 'z'};
  std::uint32_t seqs[3] = {0, 29, 4};
  memcpy(data + 12, seqs, sizeof seqs);
  EXPECT_EQ(render_btf_value(b.get(), sec, data, sizeof data),
            "msg = \"hi \\\"x\\\"\\n\\x01\"\nseqs = [0,29,4,]");
}

TEST(BpfIntrospect, MapTypesHaveLibbpfNames) {
  EXPECT_EQ(bpf_map_type_name(BPF_MAP_TYPE_ARRAY), "array");
  EXPECT_EQ(bpf_map_type_name(BPF_MAP_TYPE_PERCPU_ARRAY), "percpu_array");
  EXPECT_EQ(bpf_map_type_name(BPF_MAP_TYPE_HASH), "hash");
  EXPECT_EQ(bpf_map_type_name(100000), "type 100000");
}

TEST(BpfIntrospect, NothingCapturedDumpsNothing) {
  BpfIntrospect i;
  EXPECT_EQ(i.map_count(), 0u);
  EXPECT_TRUE(i.programs().is_array());
  EXPECT_TRUE(i.dump_maps({}).empty());
}

}  // namespace
}  // namespace ktstr
