// The compiled part of klaviyo-cpp in separate-compilation mode
// (klaviyo_separate_dep in meson.build).
#include <klaviyo/src.hpp>
