// A dependency that will not be found at load time.
extern "C" int ktstr_test_gone_value() { return 7; }
