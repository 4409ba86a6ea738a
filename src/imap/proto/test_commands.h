#pragma once

// Valid commands shared by the parser and writer tests: the RFC examples and the extension
// forms. Test-only.

#include <string_view>

namespace redoubt::imap::proto::testing {

inline constexpr std::string_view kValidCommands[] = {
    // RFC 9051 §6.1
    "abcd CAPABILITY", "a002 NOOP", "A023 LOGOUT",
    R"(a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited"))",
    "a ID NIL", "a ID ()", R"(a ID ("x" NIL))",
    // RFC 9051 §6.2
    "a002 STARTTLS", "A001 AUTHENTICATE GSSAPI", "a AUTHENTICATE plain dGVzdAB0ZXN0AHRlc3Q=",
    "a AUTHENTICATE EXTERNAL =", "a001 LOGIN SMITH SESAME", "a LOGIN {3+}\r\nbob \"p a\\\"ss\"",
    // RFC 9051 §6.3
    "t2 ENABLE CONDSTORE X-GOOD-IDEA", "A142 SELECT INBOX", "A932 EXAMINE blurdybloop",
    "a SELECT INBOX (CONDSTORE)",
    "a103 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
    "B283 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 "
    "(1:5,7 1:5,10)))",
    "B284 EXAMINE INBOX (QRESYNC (67890007 90060115194045000 (1:5 4:8)) CONDSTORE)",
    "A003 CREATE owatagusiam/", R"(t1 CREATE "Important Messages" (USE (\Flagged)))",
    "t2 CREATE MyDrafts (USE ())", "A682 DELETE blurdybloop",
    "A683 RENAME blurdybloop sarasoop", "A002 SUBSCRIBE #news.comp.mail.mime",
    "A002 UNSUBSCRIBE #news.comp.mail.mime", R"(A101 LIST "" "")",
    R"(A102 LIST #news.comp.mail.misc "")", "A202 LIST ~/Mail/ %",
    R"(A01 LIST "" % RETURN (SPECIAL-USE))", R"(A02 LIST (SUBSCRIBED) "" "*")",
    R"(A03 LIST () "" "%" RETURN (CHILDREN))", R"(A04 LIST (REMOTE) "" "%" RETURN (CHILDREN))",
    R"(C04 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%")",
    R"(BBB LIST "" ("INBOX" "Drafts" "Sent/%"))",
    R"(A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN) SUBSCRIBED))",
    R"(A05 LIST (SPECIAL-USE) "" *)", R"(A LSUB "#news." "comp.mail.*")", "A002 NAMESPACE",
    "A042 STATUS blurdybloop (UIDNEXT MESSAGES)",
    "A043 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ "
    "APPENDLIMIT)",
    "A003 APPEND saved-messages (\\Seen) {12+}\r\nHello\r\nWorld",
    "A004 APPEND INBOX (\\Seen $Junk) \"17-Jul-1996 02:44:25 -0700\" {2}\r\nhi",
    std::string_view("A005 APPEND INBOX \" 7-Jul-1996 02:44:25 +0130\" ~{3}\r\na\0b", 56),
    "A006 APPEND INBOX UTF8 (~{2+}\r\n\xc3\xa9)",
    "A007 APPEND INBOX (\\Seen) {1}\r\na () {1}\r\nb {1}\r\nc", "A002 IDLE",
    "G0001 GETQUOTA \"!partition/sda4\"", "A003 GETQUOTAROOT INBOX",
    "S0000 SETQUOTA \"#user/alice\" (STORAGE 510 message 1000)", "S1 SETQUOTA \"\" ()",
    "a COMPRESS DEFLATE",
    // RFC 9051 §6.4
    "FXXZ CHECK", "A341 CLOSE", "A342 UNSELECT", "A202 EXPUNGE", "A003 UID EXPUNGE 3000:3002",
    "A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
    "A283 SEARCH RETURN () TEXT \"string not in mailbox\"",
    "A285 SEARCH CHARSET UTF-8 TEXT {12+}\r\n\xd0\x9b\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xbd\xd0\xb0",
    "A286 SEARCH CHARSET \"WHOOPI-DOO\" TEXT \"xxxxxxxxxxx\"",
    "A287 SEARCH OR (SEEN FLAGGED) NOT (1:5,7 UID 9:*) HEADER Message-ID <a@b> LARGER 100",
    "A288 SEARCH ALL ANSWERED BCC x BEFORE \"3-Mar-2020\" BODY b CC c DELETED DRAFT KEYWORD $Foo "
    "NEW OLD ON 29-Feb-2024 RECENT SEEN SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE "
    "1-Jan-2000 SMALLER 5 SUBJECT s TO t UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $Bar "
    "UNSEEN *",
    "A289 SEARCH RETURN (SAVE) FROM \"Freddie\"", "A290 SEARCH $", "A291 UID SEARCH UID $",
    "a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338", "a SEARCH MODSEQ 0",
    "A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994", "A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL",
    "A284 UID SORT (REVERSE ARRIVAL CC FROM SIZE TO) US-ASCII OR SEEN 1",
    "A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000",
    "A284 UID THREAD REFERENCES US-ASCII TEXT \"gewp\"",
    "A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])", "A655 FETCH 1 ALL",
    "A656 FETCH 1:* FAST", "A657 FETCH 1 FULL", "A658 FETCH 1 BODY.PEEK[1.2.MIME]",
    "A659 FETCH 1 (ENVELOPE INTERNALDATE RFC822.SIZE RFC822 RFC822.HEADER RFC822.TEXT BODY "
    "BODYSTRUCTURE UID MODSEQ BODY[] BODY[]<0.2048> BODY[TEXT] BODY[1] BODY[1.2.3.TEXT] "
    "BODY.PEEK[HEADER.FIELDS.NOT (Received \"X-Spam\")]<10.20> BODY[2.HEADER])",
    "A660 FETCH 1 (BINARY.PEEK[1]<0.100> BINARY[] BINARY.SIZE[2.1])",
    "A661 FETCH $ (UID INTERNALDATE FLAGS RFC822.SIZE)", "A662 FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
    "s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)",
    "A999 UID FETCH 4827313:4828442 FLAGS", "A003 STORE 2:4 +FLAGS (\\Deleted)",
    "A004 STORE 1 -FLAGS.SILENT \\Seen $Junk", "A005 STORE 1 FLAGS ()",
    "a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)",
    "A003 COPY 2:4 MEETING", "a UID COPY 1:* \"Sent Items\"", "a MOVE 1 foo",
    "a UID MOVE 42:69 foo",
    // Case does not matter in names and keywords.
    "a uid fetch 1 (flags body.peek[header.fields (subject)])", "b select inbox (condstore)",
};

}  // namespace redoubt::imap::proto::testing
