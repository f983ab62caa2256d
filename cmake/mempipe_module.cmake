# mempipe_add_module(NAME DIRS dir... DEPS module...)
# Builds static library mempipe_<NAME> from every .cpp under DIRS. Files named *_avx2.cpp and
# *_avx512.cpp / *_amx.cpp are compiled for that instruction set only; the dispatcher in the same folder calls
# them after checking the CPU at run time (include/mempipe/core/simd.h). Everything else is built for
# the baseline x86-64 target, so the library runs on any x86-64 CPU.
set(MEMPIPE_AVX2_FLAGS -mavx2 -mfma -mf16c -mbmi2)
set(MEMPIPE_AVX512_FLAGS ${MEMPIPE_AVX2_FLAGS} -mavx512f -mavx512bw -mavx512dq -mavx512vl
    -mavx512bf16 -mavx512vnni -mavx512vbmi -mavx512vbmi2 -mprefer-vector-width=512)
set(MEMPIPE_AMX_FLAGS ${MEMPIPE_AVX512_FLAGS} -mamx-tile -mamx-bf16 -mamx-int8)

function(mempipe_add_module name)
  cmake_parse_arguments(ARG "" "" "DIRS;DEPS" ${ARGN})
  set(sources "")
  foreach(dir ${ARG_DIRS})
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${dir}/*.cpp)
    list(APPEND sources ${found})
  endforeach()
  if(NOT sources)
    set(stub ${CMAKE_CURRENT_BINARY_DIR}/empty_${name}.cpp)
    file(WRITE ${stub} "// module ${name} has no sources yet\n")
    list(APPEND sources ${stub})
  endif()
  foreach(src ${sources})
    if(src MATCHES "_amx\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${MEMPIPE_AMX_FLAGS}")
    elseif(src MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${MEMPIPE_AVX512_FLAGS}")
    elseif(src MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${MEMPIPE_AVX2_FLAGS}")
    endif()
  endforeach()
  add_library(mempipe_${name} STATIC ${sources})
  target_include_directories(mempipe_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                             PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(mempipe_${name} PUBLIC OpenMP::OpenMP_CXX fmt::fmt nlohmann_json::nlohmann_json)
  foreach(dep ${ARG_DEPS})
    target_link_libraries(mempipe_${name} PUBLIC mempipe_${dep})
  endforeach()
endfunction()
