// Compile-time benchmark: every generated tag header of the whole API (345
// descriptors, their vocabularies, request schemas and result types) and
// api::async_call's header, parsed; no call.
#include <klaviyo/api/all.hpp>
#include <klaviyo/api/call.hpp>

int main() { return static_cast<int>(klaviyo::api::all_operations::size) == 345 ? 0 : 1; }
