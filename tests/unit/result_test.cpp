#include "common/result.h"

#include <gtest/gtest.h>

namespace fd {
namespace {

Result<int> half(int v) {
  if (v % 2) return makeError(ErrorKind::BadRequest, "odd value " + std::to_string(v));
  return v / 2;
}

TEST(Result, CarriesValueOrError) {
  auto good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 4);
  auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::BadRequest);
  EXPECT_EQ(bad.error().message, "odd value 3");
  EXPECT_STREQ(errorKindName(bad.error().kind), "bad_request");
}

TEST(Status, DefaultsToSuccess) {
  Status s;
  EXPECT_TRUE(s.ok());
  Status f = makeError(ErrorKind::Io, "disk full");
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.error().kind, ErrorKind::Io);
}

}  // namespace
}  // namespace fd
