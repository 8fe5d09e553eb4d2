# Interface target carrying seer's warning flags; every seer library links it PRIVATE.
add_library(seer_warnings INTERFACE)
target_compile_options(seer_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough -Wswitch-enum
  -Wno-switch-default)
if(SEER_WERROR)
  target_compile_options(seer_warnings INTERFACE -Werror)
endif()
