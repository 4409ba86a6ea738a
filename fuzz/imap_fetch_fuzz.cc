// fuzz-deps: redoubt_imap_fetch redoubt_imap_query
// What an IMAP client can make the server compute over a stored message it controls (any bytes
// arrive by SMTP): every FETCH item and section form, and the SEARCH keys that read the header
// and body. The response must be complete (balanced literal counts are checked by the unit
// tests); here: no crash, no hang, no sanitizer report, on any message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command_parser.h"
#include "imap/server/fetch_response.h"
#include "imap/server/search.h"
#include "mime/message.h"

using namespace redoubt;

namespace {

const std::vector<imap::proto::FetchItem>& fetch_items() {
  static const auto items = [] {
    auto command = imap::proto::parse_command(
        "a FETCH 1 (FLAGS UID RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE RFC822.HEADER RFC822.TEXT "
        "BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2.HEADER] "
        "BODY.PEEK[2.1.TEXT] BODY.PEEK[HEADER.FIELDS (From Subject)] BODY.PEEK[HEADER.FIELDS.NOT (To)] "
        "BODY.PEEK[]<3.50> BINARY.PEEK[1] BINARY.PEEK[2]<0.7> BINARY.SIZE[1] BINARY.SIZE[3.1])");
    return std::get<imap::proto::Fetch>(command->args).items;
  }();
  return items;
}

const std::vector<imap::proto::SearchKey>& search_keys() {
  static const auto keys = [] {
    auto command = imap::proto::parse_command(
        "a SEARCH OR (FROM \"a\" SUBJECT \"re\") (BODY \"x\" NOT TEXT \"yz\") HEADER Message-ID \"<\" "
        "SENTSINCE 1-Jan-2000");
    return std::get<imap::proto::Search>(command->args).keys;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const mime::Message message = mime::parse_message(bytes);
  store::MessageInfo info;
  info.uid = store::Uid(7);
  info.size = size;
  std::string out;
  (void)imap::server::append_fetch_response(out, 1, info, imap::server::FetchSource{&message}, fetch_items(), false, {});
  const imap::server::SearchMessage candidate{1, &info, [&message] { return &message; }};
  (void)imap::server::matches(search_keys(), candidate, imap::server::SearchContext{.max_seq = 1, .max_uid = 7});
  return 0;
}
