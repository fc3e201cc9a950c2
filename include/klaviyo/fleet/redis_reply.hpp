// klaviyo-cpp fleet mode: one Redis reply, as a value.
//
// A plain tree (no hiredis types) so that the code that reads replies, and its
// tests, need neither hiredis nor a socket.
#pragma once

#include <string>
#include <vector>

namespace klaviyo::fleet {

/// A RESP2 reply. An error reply (`-ERR ...`, `-NOSCRIPT ...`) is a value of
/// kind error, not an exception: the server answered, the connection is fine.
struct redis_reply {
    /// What the server answered: a bulk string, a status (`+OK`), an error, an integer, nil or an array.
    enum class kind { string, status, error, integer, nil, array };

    kind type = kind::nil; ///< which of the kinds this reply is
    std::string text;                 ///< string, status and error replies
    long long integer = 0;            ///< integer replies
    std::vector<redis_reply> elements; ///< array replies

    bool is_error() const noexcept { return type == kind::error; }     ///< an error reply
    bool is_nil() const noexcept { return type == kind::nil; }         ///< nil (a missing key)
    bool is_integer() const noexcept { return type == kind::integer; } ///< an integer reply
    bool is_array() const noexcept { return type == kind::array; }     ///< an array reply
    /// A bulk string or a status (`+OK`): both carry their value in `text`.
    bool is_string() const noexcept { return type == kind::string || type == kind::status; }
    /// An error reply whose code (its first word) is `code`, e.g. "NOSCRIPT".
    bool is_error(const char* code) const {
        if (type != kind::error) return false;
        const std::string c(code);
        return text.compare(0, c.size(), c) == 0 && (text.size() == c.size() || text[c.size()] == ' ');
    }
};

} // namespace klaviyo::fleet
