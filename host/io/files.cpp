#include "io/files.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>

#include "rateopt/errors.hpp"

namespace rateopt {

namespace fs = std::filesystem;

namespace {

// Read size: large enough that syscalls are negligible, small enough to stay in cache.
constexpr size_t kIoChunkBytes = size_t{1} << 20;

[[noreturn]] void read_failed(const std::string& path, const char* what, int error) {
  throw InputError(path, 0, std::string(what) + ": " + std::strerror(error));
}

// Makes a rename durable.  Best effort: some file systems refuse fsync on a directory, and the data
// is already safe under its new name as far as this process can tell.
void sync_parent_directory(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return;
  (void)::fsync(dir_fd);
  ::close(dir_fd);
}

// Whether process `pid` may still be running (a temporary of a live run must be left alone).
bool process_exists(long pid) {
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Removes PATH.tmp.<pid> beside path for every pid that is no longer running: what a run killed
// between opening and renaming its temporary left behind.  Best effort: a directory that cannot be
// listed leaves its temporaries, and the write that follows reports any real problem.
void remove_stale_temporaries(const std::string& path) {
  const fs::path target(path);
  const std::string prefix = target.filename().string() + ".tmp.";
  std::error_code error;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!process_exists(std::stol(digits))) ::unlink(it->path().c_str());
  }
}

}  // namespace

FileDescriptor::~FileDescriptor() {
  if (fd >= 0) ::close(fd);
}

int open_for_reading(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) read_failed(path, "cannot open", errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
    const int error = S_ISDIR(info.st_mode) ? EISDIR : errno;
    ::close(fd);
    read_failed(path, "cannot open", error);
  }
  return fd;
}

// ------------------------------------------------------------------------------------ writing

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp." + std::to_string(::getpid())) {
  remove_stale_temporaries(path_);
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(std::string_view data) {
  if (fd_ < 0) throw std::logic_error("AtomicFile::write after finish: " + path_);
  while (!data.empty()) {
    const ssize_t written = ::write(fd_, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

void AtomicFile::finish() {
  if (fd_ < 0) return;
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);
}

void AtomicFile::publish() {
  finish();
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail(errno);
  committed_ = true;
  sync_parent_directory(path_);
}

void AtomicFile::commit() { publish(); }

void AtomicFile::fail(int error) const { throw DeviceError(path_ + ": cannot write: " + std::strerror(error)); }

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

// ------------------------------------------------------------------------------------ reading

size_t read_some(int fd, char* into, size_t size, const std::string& path) {
  for (;;) {
    const ssize_t got = ::read(fd, into, size);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) read_failed(path, "cannot read", errno);
  }
}

size_t file_size(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) return static_cast<size_t>(info.st_size);
  return 0;
}

std::string read_whole_descriptor(int fd, const std::string& path) {
  std::string data;
  data.reserve(file_size(fd));
  std::unique_ptr<char[]> chunk(new char[kIoChunkBytes]);
  while (const size_t got = read_some(fd, chunk.get(), kIoChunkBytes, path)) data.append(chunk.get(), got);
  return data;
}

std::string read_whole_file(const std::string& path) {
  const FileDescriptor file(open_for_reading(path));
  return read_whole_descriptor(file.fd, path);
}

Sha256::Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1)
    throw DeviceError("OpenSSL could not start a SHA-256 digest");
}

void Sha256::add(const void* data, size_t size) {
  if (EVP_DigestUpdate(context_.get(), data, size) != 1) throw DeviceError("OpenSSL SHA-256 digest failed");
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest, &digest_length) != 1)
    throw DeviceError("OpenSSL SHA-256 digest failed");
  static const char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * digest_length);
  for (unsigned int i = 0; i < digest_length; ++i) {
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 0xf];
  }
  return text;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 digest;
  digest.add(bytes.data(), bytes.size());
  return digest.hex();
}

std::string sha256_file(const std::string& path) {
  const FileDescriptor file(open_for_reading(path));
  Sha256 digest;
  std::vector<char> chunk(kIoChunkBytes);
  while (const size_t got = read_some(file.fd, chunk.data(), chunk.size(), path)) digest.add(chunk.data(), got);
  return digest.hex();
}

// ------------------------------------------------------------------------------ output folders

std::string join_path(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

void remove_stale_output(const std::string& out_dir, const std::string& name, const std::string& what) {
  const std::string stale = join_path(out_dir, name);
  std::error_code error;
  fs::remove(stale, error);
  if (error) throw DeviceError(stale + ": cannot remove " + what + ": " + error.message());
}

void check_output_dir(const std::string& out_dir, const std::vector<std::string>& names, bool force) {
  // An empty name is a mistake (an unset variable in a script), not a request for the current folder.
  if (out_dir.empty()) throw InputError("out_dir is empty: name a folder (\".\" for the current one)");
  std::error_code error;
  const fs::file_status dir_status = fs::status(out_dir, error);
  if (fs::exists(dir_status) && !fs::is_directory(dir_status))
    throw InputError(out_dir + " exists and is not a directory");
  for (const std::string& name : names) {
    const std::string path = join_path(out_dir, name);
    // symlink_status: a dangling link is still something we would replace.
    const fs::file_status status = fs::symlink_status(path, error);
    if (!fs::exists(status)) continue;
    if (fs::is_directory(status)) throw InputError(path + " is a directory; cannot replace it with a file");
    if (!force) throw InputError(path + " exists; use --force to replace it");
  }
}

void create_output_dir(const std::string& out_dir) {
  if (out_dir.empty()) return;  // the current directory
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) throw DeviceError(out_dir + ": cannot create the output directory: " + error.message());
}

// ------------------------------------------------------------------------------ output sets

OutputSet::OutputSet(std::string out_dir, std::vector<std::string> names, bool force)
    : out_dir_(std::move(out_dir)), names_(std::move(names)) {
  check_output_dir(out_dir_, names_, force);
}

OutputSet::~OutputSet() {
  files_.clear();                                              // each uncommitted AtomicFile removes its temporary
  if (created_dir_ && !committed_) ::rmdir(out_dir_.c_str());  // the folder this set made, if left empty
}

AtomicFile& OutputSet::file(const std::string& name) {
  if (std::find(names_.begin(), names_.end(), name) == names_.end())
    throw std::logic_error("OutputSet: " + name + " is not one of the outputs checked");
  for (const auto& f : files_)
    if (fs::path(f->path()).filename() == name) throw std::logic_error("OutputSet: " + name + " written twice");
  if (files_.empty() && !out_dir_.empty() && !fs::exists(out_dir_)) {
    create_output_dir(out_dir_);
    created_dir_ = true;
  }
  files_.push_back(std::make_unique<AtomicFile>(join_path(out_dir_, name)));
  return *files_.back();
}

void OutputSet::write(const std::string& name, std::string_view contents) { file(name).write(contents); }

void OutputSet::commit() {
  if (files_.size() != names_.size())
    throw std::logic_error("OutputSet: " + std::to_string(files_.size()) + " of " + std::to_string(names_.size()) +
                           " outputs written in " + out_dir_);
  // Every byte on disk before any name changes: a full disk fails here and replaces nothing.
  for (const auto& f : files_) f->finish();
  const std::string result_path = join_path(out_dir_, "result.json");
  AtomicFile* result = nullptr;
  for (const auto& f : files_)
    if (f->path() == result_path) result = f.get();
  // The old result.json goes first and the new one comes last, so that a process stopped between
  // two renames leaves no result.json rather than one describing other tables.
  if (result != nullptr && ::unlink(result_path.c_str()) != 0 && errno != ENOENT)
    throw DeviceError(result_path + ": cannot replace: " + std::strerror(errno));
  for (const auto& f : files_)
    if (f.get() != result) f->publish();
  if (result != nullptr) result->publish();
  committed_ = true;
}

}  // namespace rateopt
