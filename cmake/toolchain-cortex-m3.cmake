# Cross build of the OS-free core for a Cortex-M3 (no FPU; use with -DEO_CORE_ONLY=ON):
#   cmake -S . -B build-m3 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-cortex-m3.cmake -DEO_CORE_ONLY=ON
# Exported models (edgeopt export) need no toolchain file: their two C files
# build with -mcpu=cortex-m3 -mthumb -mfloat-abi=soft (see docs/export.md).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft -ffunction-sections -fdata-sections")
set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
