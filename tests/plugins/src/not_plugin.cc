// A plain shared library: no ktstr entry point.
extern "C" int not_a_ktstr_plugin(int x) { return x + 1; }
