#include "admin/password_input.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace redoubt::admin {
namespace {

std::string read_line_without_echo(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old_mode{};
  ::tcgetattr(STDIN_FILENO, &old_mode);
  termios quiet = old_mode;
  quiet.c_lflag &= ~tcflag_t(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  std::cerr << "\n";
  return line;
}

}  // namespace

Result<std::string, std::string> read_new_password() {
  if (::isatty(STDIN_FILENO)) {
    std::string first = read_line_without_echo("New password: ");
    std::string second = read_line_without_echo("Again: ");
    if (first != second) return unexpected(std::string("the passwords differ"));
    return first;
  }
  std::string line;
  if (!std::getline(std::cin, line)) return unexpected(std::string("no password on standard input"));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace redoubt::admin
