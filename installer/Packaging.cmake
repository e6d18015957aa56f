# Debian package of Flow++ Studio: the two programs, the bundled model and configs, a desktop entry
# and an icon. Dependencies are computed by dpkg-shlibdeps; OpenBLAS is declared because LibTorch's
# generic BLAS is the slow reference implementation without it.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION share/flowpp-studio/models
        FILES_MATCHING PATTERN "*.json" PATTERN "*.fpp" PATTERN "*.jsonl" PATTERN "README.md")
install(FILES ${PROJECT_SOURCE_DIR}/installer/flowpp-studio.desktop DESTINATION share/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/flowpp-studio.svg DESTINATION share/icons/hicolor/scalable/apps)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "flowpp-studio")
set(CPACK_PACKAGE_VENDOR "Flow++ Studio")
set(CPACK_PACKAGE_CONTACT "Flow++ Studio developers <flowpp-studio@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Explore and train Flow++ normalizing flows (Qt 6 studio and CLI)")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist, opencv-doc")
set(CPACK_STRIP_FILES ON)
include(CPack)
