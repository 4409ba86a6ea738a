// redoubt_mime_bench: parses a corpus of messages with redoubt::mime and with GMime 3, doing the
// same work on both sides, and prints throughput (MB/s, messages/s), their ratio, and how many
// heap allocations each side makes.
//
// Work per message, on both sides:
//   - parse the header and the full MIME structure (every part, nested message/rfc822 included);
//   - compute what IMAP ENVELOPE and BODYSTRUCTURE need and format it: per part the media type,
//     parameters, Content-ID/-Description/-Transfer-Encoding/-MD5/-Disposition/-Language/
//     -Location, body size and line count; per message (top level and encapsulated) the raw
//     Date/Subject/In-Reply-To/Message-ID and the six address lists.
// redoubt::mime does this with parse_message() + body_structure() (which includes the envelopes).
// For GMime the same fields are read from its object tree and written in the same IMAP syntax;
// sizes and line counts come from the part's content stream, as an IMAP server built on GMime
// would have to get them. GMime reads from a memory stream made before timing starts.
//
// Usage: redoubt_mime_bench LIST [ROUNDS]   (LIST: file with one message path per line)

#include <gmime/gmime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "mime/body_structure.h"
#include "mime/envelope.h"
#include "mime/imap_string.h"
#include "mime/message.h"

// --- Allocation counting: every malloc-family call in the process (C++ operator new ends in
// malloc too), so GMime's g_malloc and our std::vector are counted alike. glibc only.
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
}
namespace {
unsigned long long g_allocations = 0;  // single-threaded benchmark
}
extern "C" void* malloc(size_t n) {
  ++g_allocations;
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t n, size_t m) {
  ++g_allocations;
  return __libc_calloc(n, m);
}
extern "C" void* realloc(void* p, size_t n) {
  ++g_allocations;
  return __libc_realloc(p, n);
}
extern "C" void free(void* p) { __libc_free(p); }

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> load(const char* list_path) {
  std::ifstream list(list_path);
  std::vector<std::string> messages;
  std::string path;
  while (std::getline(list, path)) {
    if (path.empty()) continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string data = buffer.str();
    if (data.compare(0, 5, "From ") == 0) {  // mbox separator: not part of the message
      std::size_t lf = data.find('\n');
      data.erase(0, lf == std::string::npos ? data.size() : lf + 1);
    }
    messages.push_back(std::move(data));
  }
  return messages;
}

// --- redoubt::mime ------------------------------------------------------------------------

std::size_t run_redoubt(const std::vector<std::string>& messages, std::size_t& header_bytes) {
  using namespace redoubt::mime;
  std::size_t output = 0;
  header_bytes = 0;
  std::string out;
  for (const std::string& data : messages) {
    Message m = parse_message(data);
    out.clear();
    append_envelope(out, make_envelope(m, m.root()));
    append_body_structure(out, m, m.root(), true);
    output += out.size();
    for (const Part& p : m.parts()) header_bytes += p.header_size;
  }
  return output;
}

// --- GMime ----------------------------------------------------------------------------------

void put_nstring(std::string& out, const char* s) {
  if (s == nullptr) {
    out += "NIL";
  } else {
    redoubt::mime::append_imap_string(out, s);
  }
}

const char* raw_header(GMimeObject* object, const char* name) {
  GMimeHeader* h = g_mime_header_list_get_header(g_mime_object_get_header_list(object), name);
  return h == nullptr ? nullptr : g_mime_header_get_raw_value(h);
}

void put_addresses(std::string& out, InternetAddressList* list) {
  int n = list == nullptr ? 0 : internet_address_list_length(list);
  if (n == 0) {
    out += "NIL";
    return;
  }
  out += '(';
  for (int i = 0; i < n; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(a)) {
      out += "(NIL NIL ";
      put_nstring(out, internet_address_get_name(a));
      out += " NIL)";
      put_addresses(out, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
      out += "(NIL NIL NIL NIL)";
      continue;
    }
    const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
    const char* at = addr == nullptr ? nullptr : std::strrchr(addr, '@');
    out += '(';
    put_nstring(out, internet_address_get_name(a));
    out += " NIL ";
    std::string local = at == nullptr ? std::string(addr ? addr : "") : std::string(addr, at);
    redoubt::mime::append_imap_string(out, local);
    out += ' ';
    put_nstring(out, at == nullptr ? "MISSING_DOMAIN" : at + 1);
    out += ')';
  }
  out += ')';
}

void put_envelope(std::string& out, GMimeMessage* message) {
  GMimeObject* object = GMIME_OBJECT(message);
  out += '(';
  put_nstring(out, raw_header(object, "Date"));
  out += ' ';
  put_nstring(out, raw_header(object, "Subject"));
  for (GMimeAddressType type : {GMIME_ADDRESS_TYPE_FROM, GMIME_ADDRESS_TYPE_SENDER,
                                GMIME_ADDRESS_TYPE_REPLY_TO, GMIME_ADDRESS_TYPE_TO,
                                GMIME_ADDRESS_TYPE_CC, GMIME_ADDRESS_TYPE_BCC}) {
    out += ' ';
    InternetAddressList* list = g_mime_message_get_addresses(message, type);
    if ((type == GMIME_ADDRESS_TYPE_SENDER || type == GMIME_ADDRESS_TYPE_REPLY_TO) &&
        (list == nullptr || internet_address_list_length(list) == 0)) {
      list = g_mime_message_get_addresses(message, GMIME_ADDRESS_TYPE_FROM);
    }
    put_addresses(out, list);
  }
  out += ' ';
  put_nstring(out, raw_header(object, "In-Reply-To"));
  out += ' ';
  put_nstring(out, raw_header(object, "Message-ID"));
  out += ')';
}

void put_params(std::string& out, GMimeParamList* params) {
  int n = params == nullptr ? 0 : g_mime_param_list_length(params);
  if (n == 0) {
    out += "NIL";
    return;
  }
  out += '(';
  for (int i = 0; i < n; ++i) {
    GMimeParam* p = g_mime_param_list_get_parameter_at(params, i);
    if (i > 0) out += ' ';
    put_nstring(out, g_mime_param_get_name(p));
    out += ' ';
    put_nstring(out, g_mime_param_get_value(p));
  }
  out += ')';
}

void put_extensions(std::string& out, GMimeObject* object) {
  out += ' ';
  GMimeContentDisposition* d = g_mime_object_get_content_disposition(object);
  if (d == nullptr) {
    out += "NIL";
  } else {
    out += '(';
    put_nstring(out, g_mime_content_disposition_get_disposition(d));
    out += ' ';
    put_params(out, g_mime_content_disposition_get_parameters(d));
    out += ')';
  }
  out += ' ';
  put_nstring(out, raw_header(object, "Content-Language"));
  out += ' ';
  put_nstring(out, raw_header(object, "Content-Location"));
}

// Size and line count of a part's body, from its content stream (a substream of the input).
void measure(GMimeDataWrapper* content, std::size_t& size, std::size_t& lines) {
  size = 0;
  lines = 0;
  if (content == nullptr) return;
  GMimeStream* stream = g_mime_data_wrapper_get_stream(content);
  g_mime_stream_reset(stream);
  char buffer[4096];
  char last = '\n';
  for (;;) {
    ssize_t n = g_mime_stream_read(stream, buffer, sizeof buffer);
    if (n <= 0) break;
    size += static_cast<std::size_t>(n);
    lines += static_cast<std::size_t>(std::count(buffer, buffer + n, '\n'));
    last = buffer[n - 1];
  }
  if (size > 0 && last != '\n') ++lines;
  g_mime_stream_reset(stream);
}

void put_body(std::string& out, GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  out += '(';
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    int n = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < n; ++i) put_body(out, g_mime_multipart_get_part(multipart, i));
    out += ' ';
    put_nstring(out, g_mime_content_type_get_media_subtype(type));
    out += ' ';
    put_params(out, g_mime_content_type_get_parameters(type));
    put_extensions(out, object);
    out += ')';
    return;
  }
  put_nstring(out, g_mime_content_type_get_media_type(type));
  out += ' ';
  put_nstring(out, g_mime_content_type_get_media_subtype(type));
  out += ' ';
  put_params(out, g_mime_content_type_get_parameters(type));
  out += ' ';
  put_nstring(out, raw_header(object, "Content-ID"));
  out += ' ';
  put_nstring(out, raw_header(object, "Content-Description"));
  out += ' ';
  const char* encoding = raw_header(object, "Content-Transfer-Encoding");
  put_nstring(out, encoding == nullptr ? "7bit" : encoding);
  std::size_t size = 0;
  std::size_t lines = 0;
  if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    // GMime keeps no offsets: the encapsulated message's size is that of its serialization.
    GMimeStream* null_stream = g_mime_stream_null_new();
    g_mime_stream_null_set_count_newlines(GMIME_STREAM_NULL(null_stream), TRUE);
    if (inner != nullptr) g_mime_object_write_to_stream(GMIME_OBJECT(inner), nullptr, null_stream);
    size = static_cast<std::size_t>(g_mime_stream_length(null_stream));
    lines = GMIME_STREAM_NULL(null_stream)->newlines;
    g_object_unref(null_stream);
    out += ' ' + std::to_string(size) + ' ';
    if (inner != nullptr) {
      put_envelope(out, inner);
      out += ' ';
      put_body(out, g_mime_message_get_mime_part(inner));
    }
    out += ' ' + std::to_string(lines);
  } else if (GMIME_IS_PART(object)) {
    measure(g_mime_part_get_content(GMIME_PART(object)), size, lines);
    out += ' ' + std::to_string(size);
    if (g_mime_content_type_is_type(type, "text", "*")) out += ' ' + std::to_string(lines);
  }
  out += ' ';
  put_nstring(out, raw_header(object, "Content-MD5"));
  put_extensions(out, object);
  out += ')';
}

std::size_t run_gmime(const std::vector<GMimeStream*>& streams) {
  std::size_t output = 0;
  std::string out;
  for (GMimeStream* stream : streams) {
    g_mime_stream_reset(stream);
    GMimeParser* parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
    out.clear();
    if (message != nullptr) {
      put_envelope(out, message);
      GMimeObject* body = g_mime_message_get_mime_part(message);
      if (body != nullptr) put_body(out, body);
      g_object_unref(message);
    }
    g_object_unref(parser);
    output += out.size();
  }
  return output;
}

struct Figures {
  double seconds = 1e30;
  unsigned long long allocations = 0;
  std::size_t output = 0;
};

template <class F>
Figures best_of(int rounds, F&& run) {
  Figures best;
  for (int i = 0; i < rounds; ++i) {
    unsigned long long before = g_allocations;
    auto start = Clock::now();
    std::size_t output = run();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (seconds < best.seconds) {
      best.seconds = seconds;
      best.output = output;
    }
    best.allocations = g_allocations - before;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s LIST [ROUNDS]\n", argv[0]);
    return 2;
  }
  int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  std::vector<std::string> messages = load(argv[1]);
  std::size_t bytes = 0;
  for (const std::string& m : messages) bytes += m.size();
  if (messages.empty()) {
    std::fprintf(stderr, "no messages\n");
    return 1;
  }

  g_mime_init();
  std::vector<GMimeStream*> streams;
  streams.reserve(messages.size());
  for (const std::string& m : messages) {
    streams.push_back(g_mime_stream_mem_new_with_buffer(m.data(), m.size()));
  }

  std::size_t header_bytes = 0;
  Figures ours = best_of(rounds, [&] { return run_redoubt(messages, header_bytes); });
  Figures gmime = best_of(rounds, [&] { return run_gmime(streams); });

  const double mb = double(bytes) / 1e6;
  const double n = double(messages.size());
  std::printf("corpus: %zu messages, %.1f MB (%zu header bytes), best of %d rounds\n",
              messages.size(), mb, header_bytes, rounds);
  std::printf("%-14s %10s %12s %14s %16s %12s\n", "parser", "MB/s", "messages/s", "allocations",
              "allocs/message", "output KB");
  auto row = [&](const char* name, const Figures& f) {
    std::printf("%-14s %10.1f %12.0f %14llu %16.1f %12zu\n", name, mb / f.seconds, n / f.seconds,
                f.allocations, double(f.allocations) / n, f.output / 1024);
  };
  row("redoubt::mime", ours);
  row("GMime 3", gmime);
  std::printf("ratio (redoubt / GMime): %.2fx throughput, %.3f allocations per header byte "
              "(GMime: %.3f)\n",
              gmime.seconds / ours.seconds, double(ours.allocations) / double(header_bytes),
              double(gmime.allocations) / double(header_bytes));

  for (GMimeStream* s : streams) g_object_unref(s);
  g_mime_shutdown();
  return 0;
}
