// The file utilities every tool shares: the one atomic writer, the one read-whole-file, the output
// directory rules and file hashing.  Read errors are InputError "PATH: cannot open|read: why" (exit 2),
// write errors DeviceError "PATH: cannot write: why" (exit 4).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace rateopt {

/// A file written beside its target (PATH.tmp.<pid>) and renamed over it on commit(), after an fsync;
/// removed if never committed, so a failed or interrupted write leaves the old file (or nothing).
/// Opening one first removes the temporaries of PATH that processes no longer running left behind
/// (a run killed mid-write cannot remove its own).
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(std::string_view data);
  /// finish(), then publish().
  void commit();
  /// fsync and close: after this the bytes are on disk under the temporary name (write errors of a
  /// full disk surface here at the latest).  Idempotent.
  void finish();
  /// Rename the finished temporary over the target, then fsync the directory (best effort).
  void publish();

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail(int error) const;

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

/// The files one run writes into an output directory, all or nothing: each is written to a
/// temporary name beside its target (AtomicFile), and commit() renames them only when every one is
/// complete on disk, result.json last (the old result.json is removed first, so a result.json that
/// exists always describes the tables beside it).  A run that fails before commit() (a full disk, an
/// exception) leaves the directory's previous outputs as they were, with or without --force, and
/// a directory it had to create is removed again.
class OutputSet {
 public:
  /// Checks out_dir as check_output_dir(out_dir, names, force) does; writes nothing yet.
  OutputSet(std::string out_dir, std::vector<std::string> names, bool force);
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  ~OutputSet();

  /// The file `name` (one of the names), opened under its temporary name; the directory is created
  /// on first use.
  AtomicFile& file(const std::string& name);
  /// file(name).write(contents).
  void write(const std::string& name, std::string_view contents);
  /// Every name must have been written.  Finish every file, then rename them over their targets.
  void commit();

 private:
  std::string out_dir_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<AtomicFile>> files_;
  bool created_dir_ = false;  ///< out_dir did not exist: removed again if nothing is committed
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

/// Removes out_dir/name when present: a run that makes no such output must not leave an earlier run's
/// beside its own.  DeviceError when it exists and cannot be removed.
void remove_stale_output(const std::string& out_dir, const std::string& name, const std::string& what);

/// Fail early (InputError) if writing into out_dir would overwrite an existing file of `names`
/// without force, so nothing is computed for output that cannot be written.  An empty out_dir is an
/// InputError (\".\" names the current folder).
void check_output_dir(const std::string& out_dir, const std::vector<std::string>& names, bool force);

/// Create out_dir and its parents when missing (DeviceError "DIR: cannot create the output directory: why").
void create_output_dir(const std::string& out_dir);

/// Up to `size` bytes more of an open descriptor into `into`; 0 at its end (InputError "path: cannot read: why").
size_t read_some(int fd, char* into, size_t size, const std::string& path);
/// The size of an open regular file, 0 for a pipe or a terminal.
size_t file_size(int fd);

/// An incremental SHA-256 (OpenSSL): add() the bytes as they are read, hex() once at the end.
class Sha256 {
 public:
  Sha256();
  void add(const void* data, size_t size);
  /// The digest, lowercase hex.
  std::string hex();

 private:
  std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)> context_;
};

/// SHA-256 of bytes in memory, lowercase hex.
std::string sha256_hex(std::string_view bytes);
/// SHA-256 of a file, lowercase hex.  Readers hash the bytes they read (sha256_hex) rather than open a
/// file twice: this is for a path no reader has read (a book built in code that names a file).
std::string sha256_file(const std::string& path);

}  // namespace rateopt
