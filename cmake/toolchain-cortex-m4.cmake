# Cross build of the OS-free core for a Cortex-M4F (use with -DEO_CORE_ONLY=ON):
#   cmake -S . -B build-m4 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-cortex-m4.cmake -DEO_CORE_ONLY=ON
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# Arm EABI uses short enums, so range checks on enum values that are right on
# the host read as "always false" here: -Wno-type-limits for this build only.
set(CMAKE_C_FLAGS_INIT "-Wno-type-limits -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffunction-sections -fdata-sections")
set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
