// klaviyo-cpp: query parameters shared by get and list operations.
#pragma once

#include <klaviyo/config.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace klaviyo {

/// `fields[type]=a,b` sparse fieldsets: one entry per resource type.
using fieldsets = std::vector<std::pair<std::string, std::vector<std::string>>>;

/// Options of a single-resource read (GET /api/<things>/{id}).
struct get_options {
    fieldsets fields{};                           ///< e.g. {{"profile", {"email", "first_name"}}}
    std::vector<std::string> additional_fields{}; ///< additional-fields[<primary type>]
    std::vector<std::string> include{};           ///< related resources to embed in `included`
};

/// Options of a collection read (GET /api/<things>).
struct list_options {
    fieldsets fields{};
    std::vector<std::string> additional_fields{};
    std::vector<std::string> include{};
    std::string filter{};                ///< e.g. "equals(email,'a@b.com')"; sent as is
    std::string sort{};                  ///< e.g. "-created"
    std::optional<unsigned> page_size{}; ///< default: the endpoint's maximum
    std::string page_cursor{};           ///< from page::next_cursor(); empty for the first page
};

/// Options that shape the document a write returns.
struct write_options {
    fieldsets fields{};
    std::vector<std::string> additional_fields{};
};

} // namespace klaviyo
