#include "vmm/kernel_fetch.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

TEST(KernelFetch, PicksNewestSignedCloudImage) {
  const auto pkg = newest_cloud_kernel(
      "linux-image-6.12-cloud-amd64-dbg - Debugging symbols (meta-package)\n"
      "linux-image-6.12.107+deb12-cloud-amd64-unsigned - Linux 6.12 for x86-64 cloud\n"
      "linux-image-6.12.117+deb12-cloud-amd64-dbg - Debug symbols\n"
      "linux-image-6.12.117+deb12-cloud-amd64-unsigned - Linux 6.12 for x86-64 cloud\n"
      "linux-image-6.12-cloud-amd64 - Linux for x86-64 cloud (meta-package)\n"
      "linux-image-6.12.99+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)\n"
      "linux-image-6.12.117+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)\n"
      "linux-image-6.12.101+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)\n");
  ASSERT_TRUE(pkg);
  EXPECT_EQ(pkg->name, "linux-image-6.12.117+deb12-cloud-amd64");
  EXPECT_EQ(pkg->release, "6.12.117+deb12-cloud-amd64");
  EXPECT_EQ(pkg->version, "6.12.117");
}

TEST(KernelFetch, NoMatchingPackage) {
  EXPECT_FALSE(newest_cloud_kernel("").has_value());
  EXPECT_FALSE(newest_cloud_kernel("linux-image-6.1.0-28-cloud-amd64 - Linux 6.1\n").has_value());
}

}  // namespace
}  // namespace ktstr
