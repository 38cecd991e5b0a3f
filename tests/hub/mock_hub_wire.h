#pragma once
// The small text rules the mock hub speaks (mock_hub.h): digests, percent
// encoding, query parameters, Git LFS pointers, quoted ETags.

#include <openssl/evp.h>

#include <cstddef>
#include <string>

namespace fd::test::hub_wire {

// Lower-case hex of `data`'s digest under `md` (EVP_sha1(), EVP_sha256()).
std::string hexDigest(const EVP_MD* md, const std::string& data);
// %XX escapes decoded; a malformed escape is kept as it is.
std::string percentDecode(const std::string& s);
// The decoded value of `name` in "a=1&b=2"; empty when it is not there.
std::string queryParam(const std::string& query, const std::string& name);
// The Git LFS pointer file for a blob of `size` bytes with that sha256.
std::string lfsPointer(const std::string& sha256, size_t size);
// "s" (an ETag's quotes).
std::string quoted(const std::string& s);
// Percent-encodes all but RFC 3986's unreserved characters.
std::string quote(const std::string& s);

}  // namespace fd::test::hub_wire
