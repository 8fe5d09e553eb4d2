# Third-party packages, all from Debian bookworm (scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
# gRPC C++ and grpc_cpp_plugin (libgrpc++-dev, protobuf-compiler-grpc): the grpc/ folder.
find_package(gRPC CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(RocksDB CONFIG QUIET)
if(NOT TARGET RocksDB::rocksdb)
  find_library(ROCKSDB_LIB rocksdb REQUIRED)
  add_library(RocksDB::rocksdb UNKNOWN IMPORTED)
  set_target_properties(RocksDB::rocksdb PROPERTIES IMPORTED_LOCATION ${ROCKSDB_LIB})
endif()
find_package(spdlog REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json)
find_package(doctest QUIET)

# jemalloc, the seer binary's allocator (docs/adr/0007-allocator-and-rocksdb-memtables.md):
# glibc's malloc spent 12-17 % of a loaded validator in malloc, free and fastbin consolidation.
# Sanitizer builds keep the sanitizer's allocator.
if(SEER_SANITIZE STREQUAL "")
  find_library(JEMALLOC_LIB jemalloc REQUIRED)
endif()
