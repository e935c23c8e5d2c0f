# `cmake --install build --prefix P` puts under P:
#   bin/metarom                       the command-line program
#   lib*/libmetarom.so                the library, also the PETSc plugin (-dll_append)
#   include/metarom/...               the public headers (version.hpp generated)
#   share/metarom/*.py                the scripts the program runs (figures)
#   lib*/cmake/metarom/               metaromConfig.cmake: find_package(metarom) gives
#                                     metarom::metarom with PETSc/MPI/HDF5/Eigen usage
#   lib*/pkgconfig/metarom.pc         the same for pkg-config users
include(CMakePackageConfigHelpers)

install(TARGETS metarom EXPORT metaromTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS metarom_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/metarom DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/include/metarom/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/metarom)
install(PROGRAMS ${METAROM_SCRIPTS} DESTINATION ${CMAKE_INSTALL_DATADIR}/metarom)

set(METAROM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/metarom)
install(EXPORT metaromTargets NAMESPACE metarom:: DESTINATION ${METAROM_CMAKE_DIR})
configure_package_config_file(cmake/metaromConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/metaromConfig.cmake
                              INSTALL_DESTINATION ${METAROM_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/metaromConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/metaromConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/metaromConfigVersion.cmake
        DESTINATION ${METAROM_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own place, so the package may be
# installed under any prefix (cmake --install --prefix) and moved.
file(RELATIVE_PATH METAROM_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" METAROM_PC_TO_PREFIX "${METAROM_PC_TO_PREFIX}")
configure_file(cmake/metarom.pc.in ${CMAKE_CURRENT_BINARY_DIR}/metarom.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/metarom.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
