# The Debian packages (`make package`, or `cpack -G DEB` in the build folder).
#
# redline (component "server"):
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
# Its dependencies come from the libraries the binaries link
# (dpkg-shlibdeps), plus adduser for the postinst.
#
# python3-redline (component "python"): the Python client and its generated
# stubs in /usr/lib/python3/dist-packages, apart so that the server does
# not pull in Python and gRPC's Python modules.
set(REDLINE_DEPLOY ${CMAKE_SOURCE_DIR}/deploy)
set(REDLINE_PKG_OUT ${CMAKE_BINARY_DIR}/package-files)

# Debian's permissions whatever the umask or the source files' modes say
# (lintian: non-standard-file-perm, non-standard-dir-perm).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(REDLINE_DATA_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# Everything below is the server's package unless it names another component.
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME server)

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
# The manual pages (deploy/man), compressed as Debian's are (configure_file:
# an edit configures again).
foreach(page redlined.8 redline.1)
  set(page_src ${REDLINE_DEPLOY}/man/${page})
  configure_file(${page_src} ${REDLINE_PKG_OUT}/${page} COPYONLY)
  execute_process(COMMAND gzip -9nf ${REDLINE_PKG_OUT}/${page} RESULT_VARIABLE gzip_result)
  if(NOT gzip_result EQUAL 0)
    message(FATAL_ERROR "gzip of ${REDLINE_PKG_OUT}/${page} failed")
  endif()
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${REDLINE_PKG_OUT}/${page}.gz DESTINATION share/man/man${section}
    PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
endforeach()
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/redline
  PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${CMAKE_SOURCE_DIR}/data/README.md DESTINATION share/doc/redline
  RENAME README.sample-data.md PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${REDLINE_DEPLOY}/debian/lintian-overrides DESTINATION share/lintian/overrides
  RENAME redline PERMISSIONS ${REDLINE_DATA_PERMISSIONS})

# The Python client: redline_client.py finds the stubs beside it.
set(REDLINE_PY_DEST lib/python3/dist-packages)
install(FILES ${CMAKE_SOURCE_DIR}/clients/python/redline_client.py DESTINATION ${REDLINE_PY_DEST}
  COMPONENT python PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(DIRECTORY ${CMAKE_BINARY_DIR}/python/redline DESTINATION ${REDLINE_PY_DEST}
  COMPONENT python FILE_PERMISSIONS ${REDLINE_DATA_PERMISSIONS}
  FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
install(FILES ${REDLINE_DEPLOY}/debian/copyright ${REDLINE_PKG_OUT}/changelog.Debian.gz
  DESTINATION share/doc/python3-redline COMPONENT python PERMISSIONS ${REDLINE_DATA_PERMISSIONS})
install(FILES ${REDLINE_DEPLOY}/debian/python3-redline.lintian-overrides
  DESTINATION share/lintian/overrides RENAME python3-redline COMPONENT python
  PERMISSIONS ${REDLINE_DATA_PERMISSIONS})

set(REDLINE_SERVER_DESCRIPTION
"siting checks against Zhejiang's protected zones
redlined answers whether a site (a point, a parcel, a table of them) falls
in or near an ecological red line, a drinking water source protection zone
or a zero-discharge zone, and what the rules say about it, over gRPC and an
HTTP/JSON API with a staff desk page. redline is its command-line client.
The package runs redlined as the systemd service redline.service, serving
synthetic sample data until /etc/redline/redline.yaml names real layers.")
set(REDLINE_PYTHON_DESCRIPTION
"Python client of the Redline siting service
redline_client.RedlineClient calls a Redline server (redlined) over gRPC:
point and site checks, batch overlays as streams, layers and versions,
with tokens and TLS as the server asks.")

# What the packages hold, to build before cpack (`make package`) without the
# tests and benchmarks of `all`.
add_custom_target(redline_packaged)
add_dependencies(redline_packaged redlined redline redline_web redline_python)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server python)
set(CPACK_PACKAGE_NAME redline)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${REDLINE_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <package>_<version>-<release>_<arch>.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "${REDLINE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${REDLINE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/deb)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME redline)
set(CPACK_DEBIAN_SERVER_DESCRIPTION "${REDLINE_SERVER_DESCRIPTION}")
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION science)
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "python3-redline")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  ${REDLINE_DEPLOY}/debian/postinst ${REDLINE_DEPLOY}/debian/prerm
  ${REDLINE_DEPLOY}/debian/postrm ${REDLINE_DEPLOY}/debian/conffiles)

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-redline)
set(CPACK_DEBIAN_PYTHON_DESCRIPTION "${REDLINE_PYTHON_DESCRIPTION}")
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3:any, python3-grpcio, python3-protobuf")
include(CPack)
