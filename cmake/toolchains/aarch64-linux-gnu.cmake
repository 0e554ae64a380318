# Cross-compiling for 64-bit ARM Linux (Raspberry Pi 3, 4, 5 and Zero 2 on a
# 64-bit OS) with Debian's crossbuild-essential-arm64 and the :arm64
# development packages installed beside the host's (multiarch); set up by
# scripts/setup-cross. The test programs run under qemu-user-static.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# gtest_discover_tests and ctest run the test programs through this. No
# `-L /usr/aarch64-linux-gnu`: that folder's loader is the cross toolchain's
# glibc (libc6-arm64-cross), a different build from the libc6:arm64 that the
# programs load their libraries beside, and the two mixed hang threads in
# condition-variable waits. Without -L the loader is libc6:arm64's own.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)

# Multiarch: headers are shared in /usr/include, libraries and .pc files
# are in the architecture's own folders. Never link a host library.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)

# CPack's DEB generator names the package's architecture after this.
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
