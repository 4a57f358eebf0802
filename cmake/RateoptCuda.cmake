# CUDA is compiled in when a CUDA compiler is found: Hopper (sm_90), static runtime so the binary
# starts on machines without a CUDA installation, warnings as errors.
set(RATEOPT_HAVE_CUDA OFF)
if(RATEOPT_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    find_package(CUDAToolkit REQUIRED)
    file(GLOB RATEOPT_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/kernels/*.cu)
    if(RATEOPT_CUDA_SOURCES)
      add_library(rateopt_kernels STATIC ${RATEOPT_CUDA_SOURCES})
      target_include_directories(rateopt_kernels PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                                 PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/host)
      target_compile_options(rateopt_kernels PRIVATE
        $<$<COMPILE_LANGUAGE:CUDA>:--Werror all-warnings -Xcompiler=-Wall,-Wextra,-Werror>)
      # nlohmann_json: the grid kernel's headers reach the options code, which names nlohmann::json
      target_link_libraries(rateopt_kernels PUBLIC CUDA::cudart_static PRIVATE nlohmann_json::nlohmann_json)
      # The annealer and the grid's argmax run the same arithmetic as the CPU path (anneal_math.hpp,
      # grid_math.hpp): no fused multiply-adds.
      set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/kernels/anneal_cuda.cu
                                  ${CMAKE_CURRENT_SOURCE_DIR}/kernels/grid_cuda.cu PROPERTIES COMPILE_OPTIONS
                                  "--fmad=false")
      set(RATEOPT_HAVE_CUDA ON)
    endif()
  endif()
endif()
message(STATUS "rateopt: CUDA backend ${RATEOPT_HAVE_CUDA}")
