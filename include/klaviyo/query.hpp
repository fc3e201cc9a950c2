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

/// Options of a single-resource read (`GET /api/<things>/{id}`).
struct get_options {
    fieldsets fields{};                           ///< e.g. {{"profile", {"email", "first_name"}}}
    std::vector<std::string> additional_fields{}; ///< `additional-fields[<primary type>]`
    std::vector<std::string> include{};           ///< related resources to embed in `included`
};

/// Options of a collection read (`GET /api/<things>`).
struct list_options {
    /// Sparse fieldsets, `fields[type]=a,b`: only these fields of each type are sent back.
    fieldsets fields{};
    /// `additional-fields[<primary type>]`: fields Klaviyo sends only when asked.
    std::vector<std::string> additional_fields{};
    std::vector<std::string> include{}; ///< related resources to embed in the page's `included`
    std::string filter{};                ///< e.g. "equals(email,'a@b.com')"; sent as is
    std::string sort{};                  ///< e.g. "-created"
    std::optional<unsigned> page_size{}; ///< default: the endpoint's maximum
    std::string page_cursor{};           ///< `page[cursor]` of a next_link; empty for the first page
};

/// Options that shape the document a write returns.
struct write_options {
    fieldsets fields{}; ///< sparse fieldsets of the document the write answers with
    std::vector<std::string> additional_fields{}; ///< `additional-fields[<primary type>]` of that document
};

} // namespace klaviyo
