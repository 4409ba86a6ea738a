#include "imap/proto/response_writer.h"

#include <gtest/gtest.h>

#include <vector>

namespace redoubt::imap::proto {
namespace {

std::string astring(std::string_view value, StringOptions options = {}) {
  std::string out;
  append_astring(out, value, options);
  return out;
}

TEST(ResponseWriter, QuotesOnlyWhenSafe) {
  EXPECT_EQ(astring("INBOX"), "INBOX");
  EXPECT_EQ(astring("a]b"), "a]b");
  EXPECT_EQ(astring("NIL"), "\"NIL\"");
  EXPECT_EQ(astring("nil"), "\"nil\"");
  EXPECT_EQ(astring(""), "\"\"");
  EXPECT_EQ(astring("a b"), "\"a b\"");
  EXPECT_EQ(astring("say \"hi\" \\o/"), R"("say \"hi\" \\o/")");
  EXPECT_EQ(astring("%*("), "\"%*(\"");
  EXPECT_EQ(astring("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(astring("caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
  EXPECT_EQ(astring("caf\xc3\xa9", {.utf8_quoted = true}), "\"caf\xc3\xa9\"");
  EXPECT_EQ(astring("bad \xff", {.utf8_quoted = true}), "{5}\r\nbad \xff");
  EXPECT_EQ(astring("long text", {.max_quoted = 4}), "{9}\r\nlong text");
  std::string out;
  append_nstring(out, std::nullopt);
  out.push_back(' ');
  append_nstring(out, "x");
  EXPECT_EQ(out, "NIL \"x\"");
}

TEST(ResponseWriter, BinaryUsesLiteral8ForNul) {
  std::string out;
  append_binary(out, std::string_view("a\0b", 3));
  EXPECT_EQ(out, std::string("~{3}\r\na\0b", 9));
  out.clear();
  append_binary(out, "ab");
  EXPECT_EQ(out, "{2}\r\nab");
}

TEST(ResponseWriter, Lists) {
  const std::vector<std::string> flags = {"\\Seen", "$Forwarded"};
  std::string out;
  append_flag_list(out, flags);
  EXPECT_EQ(out, "(\\Seen $Forwarded)");
  out.clear();
  append_flag_list(out, {});
  EXPECT_EQ(out, "()");
}

TEST(ResponseWriter, StatusResponses) {
  using namespace response_code;
  EXPECT_EQ(status_response("A1", Condition::kOk, keyword("READ-WRITE"), "SELECT completed"),
            "A1 OK [READ-WRITE] SELECT completed\r\n");
  EXPECT_EQ(status_response("*", Condition::kOk, uid_next(4392), "Predicted next UID"),
            "* OK [UIDNEXT 4392] Predicted next UID\r\n");
  EXPECT_EQ(status_response("A2", Condition::kOk, append_uid(38505, "3955"), "APPEND completed"),
            "A2 OK [APPENDUID 38505 3955] APPEND completed\r\n");
  EXPECT_EQ(status_response("A3", Condition::kOk, copy_uid(38505, "304,319:320", "3956:3958"),
                            "Done"),
            "A3 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
  EXPECT_EQ(status_response("*", Condition::kOk, highest_modseq(715194045007), "Highest"),
            "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
  EXPECT_EQ(status_response("*", Condition::kOk, keyword("CLOSED"), ""),
            "* OK [CLOSED] completed\r\n");
  EXPECT_EQ(status_response("*", Condition::kBye, std::nullopt, "bye\r\n* OK injected"),
            "* BYE bye  * OK injected\r\n");
  EXPECT_EQ(status_response("A4", Condition::kNo, keyword("TOOBIG"), "Too big"),
            "A4 NO [TOOBIG] Too big\r\n");
  const std::vector<std::string> flags = {"\\Seen", "\\*"};
  EXPECT_EQ(permanent_flags(flags).text, "PERMANENTFLAGS (\\Seen \\*)");
  const std::string_view caps[] = {"IMAP4rev2", "IDLE"};
  EXPECT_EQ(capability(caps).text, "CAPABILITY IMAP4rev2 IDLE");
  const std::string_view charsets[] = {"UTF-8", "a]b"};
  EXPECT_EQ(bad_charset(charsets).text, "BADCHARSET (UTF-8 \"a]b\")");
  EXPECT_EQ(continuation_request(""), "+ Ready\r\n");
}

}  // namespace
}  // namespace redoubt::imap::proto
