# The Debian package (`make package`, or `cpack -G DEB` in the build folder):
#
#   /usr/bin/redlined, /usr/bin/redline
#   /usr/share/redline/rules/    the default rule files (data/rules)
#   /usr/share/redline/web/      the staff desk page and Leaflet (build/web,
#                                served with --web_root: the page is files,
#                                not compiled in)
#   /usr/share/redline/sample/   the SYNTHETIC sample data (data/sample)
#   /etc/redline/redline.yaml    the service's config (a conffile), serving
#                                the sample until a bureau edits it
#   /etc/default/redline         REDLINED_OPTS, extra flags (a conffile)
#   /lib/systemd/system/redline.service  (deploy/systemd/)
#   /var/lib/redline/            the audit trail, made by systemd (StateDirectory=)
#
# Dependencies come from the libraries the binaries link (dpkg-shlibdeps),
# plus adduser for the postinst. The Python client is not packaged: it finds
# its generated stubs relative to a source checkout.
set(REDLINE_DEPLOY ${CMAKE_SOURCE_DIR}/deploy)
set(REDLINE_PKG_OUT ${CMAKE_BINARY_DIR}/package-files)

# Debian's permissions whatever the umask or the source files' modes say
# (lintian: non-standard-file-perm, non-standard-dir-perm).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(REDLINE_DATA_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(TARGETS redlined redline RUNTIME DESTINATION bin)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/data/rules/ DESTINATION share/redline/rules
  FILE_PERMISSIONS ${REDLINE_DATA_PERMISSIONS} FILES_MATCHING PATTERN "*.yaml" PATTERN "*.md")
install(DIRECTORY ${CMAKE_BINARY_DIR}/web/ DESTINATION share/redline/web
  FILE_PERMISSIONS ${REDLINE_DATA_PERMISSIONS} PATTERN ".copied" EXCLUDE)
# The sample's own redline.yaml (rules: ../rules) works from there too.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/data/sample/ DESTINATION share/redline/sample
  FILE_PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${REDLINE_DEPLOY}/redline.yaml DESTINATION /etc/redline
  PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${REDLINE_DEPLOY}/default.redline DESTINATION /etc/default RENAME redline
  PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${REDLINE_DEPLOY}/systemd/redline.service DESTINATION /lib/systemd/system
  PERMISSIONS ${REDLINE_DATA_PERMISSIONS})

# /usr/share/doc/redline: copyright, the Debian changelog (gzip -9n, as
# lintian wants it), the README the unit's Documentation= names, and the
# sample data's warning.
set(REDLINE_DEB_RELEASE 1)
set(REDLINE_DEB_VERSION ${PROJECT_VERSION}-${REDLINE_DEB_RELEASE})
string(TIMESTAMP REDLINE_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(REDLINE_MAINTAINER "Redline maintainers <maintainers@redline.invalid>")
file(MAKE_DIRECTORY ${REDLINE_PKG_OUT})
file(WRITE ${REDLINE_PKG_OUT}/changelog.Debian
"redline (${REDLINE_DEB_VERSION}) bookworm; urgency=medium

  * Built from git ${REDLINE_GIT_DESCRIBE} with CPack (cmake/package.cmake).

 -- ${REDLINE_MAINTAINER}  ${REDLINE_DEB_DATE}
")
execute_process(COMMAND gzip -9nf ${REDLINE_PKG_OUT}/changelog.Debian RESULT_VARIABLE gzip_result)
if(NOT gzip_result EQUAL 0)
  message(FATAL_ERROR "gzip of ${REDLINE_PKG_OUT}/changelog.Debian failed")
endif()
install(FILES ${REDLINE_DEPLOY}/debian/copyright ${REDLINE_PKG_OUT}/changelog.Debian.gz
  DESTINATION share/doc/redline PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/redline
  PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${CMAKE_SOURCE_DIR}/data/README.md DESTINATION share/doc/redline
  RENAME README.sample-data.md PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${REDLINE_DEPLOY}/debian/lintian-overrides DESTINATION share/lintian/overrides
  RENAME redline PERMISSIONS ${REDLINE_DATA_PERMISSIONS})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME redline)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${REDLINE_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # redline_<version>-<release>_<arch>.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "${REDLINE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${REDLINE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "siting checks against Zhejiang's protected zones")
set(CPACK_PACKAGE_DESCRIPTION
"redlined answers whether a site (a point, a parcel, a table of them) falls
in or near an ecological red line, a drinking water source protection zone
or a zero-discharge zone, and what the rules say about it, over gRPC and an
HTTP/JSON API with a staff desk page. redline is its command-line client.
The package runs redlined as the systemd service redline.service, serving
synthetic sample data until /etc/redline/redline.yaml names real layers.")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${REDLINE_DEPLOY}/debian/postinst ${REDLINE_DEPLOY}/debian/prerm
  ${REDLINE_DEPLOY}/debian/postrm ${REDLINE_DEPLOY}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/deb)
include(CPack)
