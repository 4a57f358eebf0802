// The file utilities every tool shares: the one atomic writer, the one read-whole-file, the output
// directory rules and file hashing.  Read errors are InputError "PATH: cannot open|read: why" (exit 2),
// write errors DeviceError "PATH: cannot write: why" (exit 4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rateopt {

/// A file written beside its target (PATH.tmp.<pid>) and renamed over it on commit(), after an fsync;
/// removed if never committed, so a failed or interrupted write leaves the old file (or nothing).
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(std::string_view data);
  /// fsync, close, rename over the target, then fsync its directory (best effort).
  void commit();

 private:
  [[noreturn]] void fail(int error) const;

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Write contents to path atomically (AtomicFile).
void write_file_atomically(const std::string& path, std::string_view contents);

/// An open file descriptor, closed when this goes out of scope.
struct FileDescriptor {
  explicit FileDescriptor(int descriptor) : fd(descriptor) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();
  const int fd;
};

/// Opens path for reading; a directory is refused ("PATH: cannot open: Is a directory").
int open_for_reading(const std::string& path);

/// The whole file as bytes; works on pipes and /dev/stdin too.
std::string read_whole_file(const std::string& path);
/// The rest of an open descriptor as bytes (path names it in messages).
std::string read_whole_descriptor(int fd, const std::string& path);

/// dir/name ("name" alone when dir is empty).
std::string join_path(const std::string& dir, const std::string& name);

/// Fail early (InputError) if writing into out_dir would overwrite an existing file of `names`
/// without force, so nothing is computed for output that cannot be written.
void check_output_dir(const std::string& out_dir, const std::vector<std::string>& names, bool force);

/// Create out_dir and its parents when missing (DeviceError "DIR: cannot create the output directory: why").
void create_output_dir(const std::string& out_dir);

/// Remove path if it exists (DeviceError "PATH: cannot replace: why"): a run drops its old result.json
/// before writing the tables, so a result.json that exists always describes the tables beside it.
void remove_old_output(const std::string& path);

/// SHA-256 of bytes in memory, lowercase hex.
std::string sha256_hex(std::string_view bytes);
/// SHA-256 of a file, lowercase hex.  Readers hash the bytes they read (sha256_hex) rather than open a
/// file twice: this is for a path no reader has read (a book built in code that names a file).
std::string sha256_file(const std::string& path);

}  // namespace rateopt
