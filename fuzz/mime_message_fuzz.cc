// fuzz-deps: redoubt_mime
// Parses arbitrary bytes as a message and computes every derived view. Any input must yield a
// structure whose offsets lie within the input, in document order, with children inside their
// parents; and the views must be computable without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/attachments.h"
#include "mime/body_structure.h"
#include "mime/body_text.h"
#include "mime/envelope.h"
#include "mime/message.h"
#include "mime/text.h"

using namespace redoubt::mime;

namespace {

// Reports the failed invariant before aborting, so a crash artifact explains itself.
#define check(condition)                                                        \
  do {                                                                          \
    if (!(condition)) {                                                         \
      std::fprintf(stderr, "invariant failed: %s (line %d)\n", #condition, __LINE__); \
      std::abort();                                                             \
    }                                                                           \
  } while (false)

void check_invariants(const Message& m, const Limits& limits) {
  const std::size_t size = m.data().size();
  check(!m.parts().empty());
  check(m.parts().size() <= limits.max_parts);
  std::size_t previous_offset = 0;
  for (const Part& p : m.parts()) {
    check(p.offset >= previous_offset);  // pre-order = document order
    previous_offset = p.offset;
    check(p.body_offset == p.offset + p.header_size);
    check(p.body_offset + p.body_size <= size);
    check(p.depth <= limits.max_depth);
    check(p.body_lines <= p.body_size);
    if (p.kind == PartKind::kMultipart) {
      check(p.preamble_size <= p.body_size);
      if (p.epilogue_size > 0) {
        check(p.epilogue_offset >= p.body_offset);
        check(p.epilogue_offset + p.epilogue_size <= p.body_offset + p.body_size);
      }
    }
    for (const HeaderField& f : m.headers(p)) {
      check(f.offset >= p.offset && f.offset + f.size <= p.body_offset);
      check(f.value.data() >= m.data().data() + f.offset);
      check(f.value.data() + f.value.size() <= m.data().data() + f.offset + f.size);
      check(f.size <= p.header_size);
    }
    std::uint32_t children = 0;
    for (std::uint32_t c = p.first_child; c != kNoPart; c = m.part(c).next_sibling) {
      const Part& child = m.part(c);
      check(child.parent == m.index_of(p));
      check(child.offset >= p.body_offset);
      check(child.body_offset + child.body_size <= p.body_offset + p.body_size);
      ++children;
    }
    check(children == p.child_count);
    if (p.kind == PartKind::kMessage) check(children == 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.max_depth = 12;  // small limits reach the limit paths often
  limits.max_parts = 64;
  limits.max_headers = 32;
  limits.max_header_line = 512;
  Message m = parse_message(input, limits);
  check_invariants(m, limits);

  std::string out = body_structure(m, true, limits);
  check(!out.empty() && out.front() == '(' && out.back() == ')');
  append_envelope(out, make_envelope(m, m.root(), limits));
  for (const Part& p : m.parts()) {
    if (p.kind == PartKind::kLeaf) {
      std::string text = part_text(m, p, nullptr, limits);
      check(is_valid_utf8(text));
      part_filename(m, p, limits);
    }
  }
  std::string text = message_text(m, 1 << 16, limits);
  check(is_valid_utf8(text));
  check(is_valid_utf8(preview(m, 64, limits)));
  list_attachments(m, limits);
  for (std::string_view section : {"1", "1.1", "2.1.1", "1.2.3.4"}) {
    std::uint32_t i = find_section(m, section);
    check(i == kNoPart || i < m.parts().size());
  }
  return 0;
}
