// Catch2 v2 main, in its own object library because it takes long to compile.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
