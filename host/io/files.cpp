#include "io/files.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

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
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd_, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

void AtomicFile::commit() {
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail(errno);
  committed_ = true;
  sync_parent_directory(path_);
}

void AtomicFile::fail(int error) const { throw DeviceError(path_ + ": cannot write: " + std::strerror(error)); }

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

// ------------------------------------------------------------------------------------ reading

std::string read_whole_descriptor(int fd, const std::string& path) {
  std::string data;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0)
    data.reserve(static_cast<size_t>(info.st_size));
  std::unique_ptr<char[]> chunk(new char[kIoChunkBytes]);
  for (;;) {
    const ssize_t got = ::read(fd, chunk.get(), kIoChunkBytes);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      read_failed(path, "cannot read", errno);
    }
    data.append(chunk.get(), static_cast<size_t>(got));
  }
  return data;
}

std::string read_whole_file(const std::string& path) {
  const FileDescriptor file(open_for_reading(path));
  return read_whole_descriptor(file.fd, path);
}

namespace {

/// An incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1)
      throw DeviceError("OpenSSL could not start a SHA-256 digest");
  }
  void add(const void* data, size_t size) {
    if (EVP_DigestUpdate(context_.get(), data, size) != 1) throw DeviceError("OpenSSL SHA-256 digest failed");
  }
  std::string hex() {
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

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context_;
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 digest;
  digest.add(bytes.data(), bytes.size());
  return digest.hex();
}

std::string sha256_file(const std::string& path) {
  const FileDescriptor file(open_for_reading(path));
  Sha256 digest;
  std::vector<unsigned char> chunk(kIoChunkBytes);
  for (;;) {
    const ssize_t got = ::read(file.fd, chunk.data(), chunk.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      read_failed(path, "cannot read", errno);
    }
    if (got == 0) break;
    digest.add(chunk.data(), static_cast<size_t>(got));
  }
  return digest.hex();
}

// ------------------------------------------------------------------------------ output folders

std::string join_path(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

void check_output_dir(const std::string& out_dir, const std::vector<std::string>& names, bool force) {
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

void remove_old_output(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw DeviceError(path + ": cannot replace: " + std::strerror(errno));
}

}  // namespace rateopt
