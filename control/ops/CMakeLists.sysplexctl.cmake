# sysplexctl, the operator CLI reading sysplexd's displays over DPDK telemetry. A plain unix-socket
# client: no DPDK, no EAL, so it builds and tests anywhere. Included from control/.
set(SYSPLEXCTL_DIR ${CMAKE_CURRENT_LIST_DIR})

add_library(sysplex_control_ctl STATIC
  ${SYSPLEXCTL_DIR}/sysplexctl_cli.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_displays.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_format.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_options.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_socket.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_table.cc
  ${SYSPLEXCTL_DIR}/telemetry_client.cc
)
target_link_libraries(sysplex_control_ctl PUBLIC Boost::program_options)

add_executable(sysplexctl ${SYSPLEXCTL_DIR}/sysplexctl_main.cc)
target_link_libraries(sysplexctl PRIVATE sysplex_control_ctl)

add_executable(sysplexctl_test
  ${SYSPLEXCTL_DIR}/sysplexctl_cli_test.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_format_test.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_options_test.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_socket_test.cc
  ${SYSPLEXCTL_DIR}/sysplexctl_table_test.cc
  ${SYSPLEXCTL_DIR}/telemetry_client_fake_server.cc
  ${SYSPLEXCTL_DIR}/telemetry_client_test.cc
)
target_link_libraries(sysplexctl_test PRIVATE sysplex_control_ctl GTest::gtest_main Threads::Threads)
add_test(NAME unit.sysplexctl COMMAND sysplexctl_test)
set_tests_properties(unit.sysplexctl PROPERTIES LABELS unit)
