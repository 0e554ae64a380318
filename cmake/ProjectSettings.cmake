# Warnings and sanitizer flags live in INTERFACE targets that every pulsemon
# library links, so a flag is set in one place and reaches every target.

add_library(pulsemon_warnings INTERFACE)
target_compile_options(pulsemon_warnings INTERFACE -Wall -Wextra -Werror -Wpedantic -Wshadow
                                                   -Wnon-virtual-dtor -Wold-style-cast)

add_library(pulsemon_sanitizers INTERFACE)
if(PULSEMON_SANITIZE)
  target_compile_options(pulsemon_sanitizers INTERFACE -fsanitize=address,undefined
                                                       -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(pulsemon_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

if(PULSEMON_SANITIZE_THREAD)
  if(PULSEMON_SANITIZE)
    message(FATAL_ERROR "PULSEMON_SANITIZE_THREAD and PULSEMON_SANITIZE cannot be combined")
  endif()
  target_compile_options(pulsemon_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(pulsemon_sanitizers INTERFACE -fsanitize=thread)
endif()

if(PULSEMON_FUZZ)
  # Coverage for libFuzzer in every library the targets link; the targets
  # themselves add -fsanitize=fuzzer (libFuzzer's main).
  target_compile_options(pulsemon_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()

add_library(pulsemon_settings INTERFACE)
target_link_libraries(pulsemon_settings INTERFACE pulsemon_warnings pulsemon_sanitizers)
