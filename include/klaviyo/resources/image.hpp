// klaviyo-cpp: the image resource, and uploading images from a URL, a data
// URI or bytes through one call.
#pragma once

#include <klaviyo/api/images.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace klaviyo {

/// An image in the account's library, as Klaviyo returns it.
struct image_attributes {
    ///@{
    /// The name, the URL Klaviyo serves it from, its format ("jpeg", "png", "gif") and when it last changed (ISO 8601).
    std::optional<std::string> name{}, image_url{}, format{}, updated_at{};
    ///@}
    std::optional<std::int64_t> size{}; ///< bytes
    std::optional<bool> hidden{}; ///< hidden from the library in Klaviyo's editor
};
BOOST_DESCRIBE_STRUCT(image_attributes, (), (name, image_url, format, updated_at, size, hidden))

/// Input of upload_image: exactly one of `url` (an https URL Klaviyo fetches,
/// or a `data:image/...;base64,` URI) and `file_data` (the image's bytes).
/// JPEG, PNG or GIF, at most 5MB.
struct image_upload {
    std::optional<std::string> url{}; ///< an http(s) URL Klaviyo fetches, or a `data:image/...;base64,` URI
    std::optional<std::string> file_data{}; ///< the image's bytes, sent as multipart/form-data
    std::string file_name = "image"; ///< the multipart file name, with `file_data`
    std::optional<std::string> name{}; ///< a name in the library; not empty
    std::optional<bool> hidden{}; ///< upload it hidden
};

/// Input of update_image: absent members are left as they are.
struct image_update {
    std::optional<std::string> name{}; ///< a new name; not empty
    std::optional<bool> hidden{}; ///< hide or show it in the library
};
BOOST_DESCRIBE_STRUCT(image_update, (), (name, hidden))

namespace ops {

namespace image_vocab {
inline constexpr std::string_view fields[] = {"image"};
inline constexpr std::string_view sorts[] = {"format", "id", "name", "size", "updated_at"};
inline constexpr query_vocabulary list{fields, {}, {}, sorts};
inline constexpr query_vocabulary get{fields, {}, {}, {}};
inline constexpr std::size_t max_image_size = 5 * 1024 * 1024;
} // namespace image_vocab

namespace detail {

/// "jpeg", "png" or "gif" from the first bytes; empty when none of them.
inline std::string_view sniff_image_format(std::string_view b) noexcept {
    if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return "jpeg";
    if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n") return "png";
    if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) return "gif";
    return {};
}

/// A multipart/form-data boundary that occurs nowhere in `payload`.
inline std::string multipart_boundary(std::string_view payload) {
    std::string b = "klaviyo-cpp-form-boundary";
    for (unsigned n = 0; payload.find(b) != std::string_view::npos; ++n)
        b = "klaviyo-cpp-form-boundary-" + std::to_string(n);
    return b;
}

/// One multipart/form-data part.
struct form_part {
    std::string name;
    std::string value;
    std::optional<std::string> file_name{}; ///< set: a file part
    std::string content_type{};             ///< of a file part; default application/octet-stream
};

/// The body of a multipart/form-data request; `boundary` is set to the one used.
inline std::string multipart_body(const std::vector<form_part>& parts, std::string& boundary) {
    std::string all;
    for (const auto& p : parts) all += p.value;
    boundary = multipart_boundary(all);
    std::string body;
    body.reserve(all.size() + parts.size() * 160);
    for (const auto& p : parts) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
        if (p.file_name) {
            body += "; filename=\"" + *p.file_name + "\"\r\nContent-Type: ";
            body += p.content_type.empty() ? "application/octet-stream" : p.content_type;
        }
        body += "\r\n\r\n" + p.value + "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    return body;
}

/// Why a multipart name or file name cannot be sent as is; empty when it can.
inline std::string check_form_name(std::string_view v, const std::string& where) {
    if (v.empty()) return where + ": must not be empty";
    if (v.find_first_of("\"\r\n") != std::string_view::npos) return where + ": must not contain quotes or line breaks";
    return {};
}

} // namespace detail

/// GET /api/images: up to 100 a page.
struct get_images : from_spec<api::get_images, jsonapi::page<image_attributes>> {
    /// Checks `o` (fields, include, sort and page size against this operation's vocabulary; the filter is sent as
    /// written) and builds the GET. A refusal names the option and nothing is sent.
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_images>(o, image_vocab::list, "image");
    }
};

/// GET /api/images/{id}: one image.
struct get_image : from_spec<api::get_image, jsonapi::document<image_attributes>> {
    /// Checks `id` (not empty) and `o` (fields, additional fields and include against this operation's vocabulary) and
    /// builds the GET. A refusal names the input and nothing is sent.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_image>(id, o, image_vocab::get, "image");
    }
};

/// PATCH /api/images/{id}: renames or hides an image.
struct update_image : from_spec<api::update_image, jsonapi::document<image_attributes>> {
    /// Checks `id`, `in` (a name, if set, not empty) and `o`, and builds the PATCH.
    static klaviyo::detail::request_plan plan(std::string_view id, const image_update& in, const write_options& o) {
        if (in.name && in.name->empty())
            return klaviyo::detail::invalid_plan(operation_id, "data.attributes.name: must not be empty");
        json::object data{{"type", "image"}, {"id", id}, {"attributes", jsonapi::to_json(in)}};
        return klaviyo::detail::plan_write<update_image>(id, std::move(data), o, image_vocab::get, "image",
                                                         5 * 1024 * 1024);
    }
};

/// POST /api/images (from a URL or data URI): 3/s, 100/m, 100 a day.
struct upload_image_from_url : from_spec<api::upload_image_from_url, jsonapi::document<image_attributes>> {
};

/// POST /api/image-upload (multipart bytes): 3/s, 100/m, 500 a day.
struct upload_image_from_file : from_spec<api::upload_image_from_file, jsonapi::document<image_attributes>> {
};

/// The one upload call: picks upload_image_from_url or upload_image_from_file
/// by which input is set.
struct upload_image {
    using result_type = jsonapi::document<image_attributes>; ///< the uploaded image
    /// Names the call in error messages (the spec has two operations, not this one).
    static constexpr std::string_view operation_id = "upload_image";
    /// Checks `in` (exactly one of url and file_data; a data URI or the bytes of a JPEG, PNG or GIF of at most 5MB; a
    /// name, if set, not empty) and builds the POST of upload_image_from_url or the multipart POST of
    /// upload_image_from_file, paced by that operation's limits.
    static klaviyo::detail::request_plan plan(const image_upload& in, const write_options& o) {
        auto fail = [](std::string e) { return klaviyo::detail::invalid_plan(operation_id, std::move(e)); };
        if (in.url.has_value() == in.file_data.has_value())
            return fail("url, file_data: exactly one of them is required");
        if (in.name && in.name->empty()) return fail("name: must not be empty");
        if (in.url) {
            const auto& u = *in.url;
            const std::string a = "data.attributes.import_from_url";
            if (u.rfind("data:", 0) == 0) {
                auto comma = u.find(',');
                auto meta = std::string_view(u).substr(5, comma == std::string::npos ? 0 : comma - 5);
                if (comma == std::string::npos || (meta != "image/jpeg;base64" && meta != "image/png;base64" &&
                                                   meta != "image/gif;base64" && meta != "image/jpg;base64"))
                    return fail(a + ": a data URI must be data:image/(jpeg|png|gif);base64,...");
                if ((u.size() - comma - 1) / 4 * 3 > image_vocab::max_image_size)
                    return fail(a + ": the image is over 5MB");
            } else if (u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0) {
                return fail(a + ": must be an http(s) URL or a data:image/... URI");
            }
            json::object attrs{{"import_from_url", u}};
            if (in.name) attrs["name"] = *in.name;
            if (in.hidden) attrs["hidden"] = *in.hidden;
            json::object data{{"type", "image"}, {"attributes", std::move(attrs)}};
            return klaviyo::detail::plan_write<upload_image_from_url>({}, std::move(data), o, image_vocab::get, "image",
                                                                      8 * 1024 * 1024);
        }
        const auto& bytes = *in.file_data;
        if (bytes.empty()) return fail("file_data: is empty");
        if (bytes.size() > image_vocab::max_image_size) return fail("file_data: the image is over 5MB");
        auto format = detail::sniff_image_format(bytes);
        if (format.empty()) return fail("file_data: not a JPEG, PNG or GIF image");
        if (auto e = detail::check_form_name(in.file_name, "file_name"); !e.empty()) return fail(e);
        klaviyo::detail::query_builder q(upload_image_from_file::path, image_vocab::get, "image");
        q.fields(o.fields);
        if (!o.additional_fields.empty()) return fail("additional_fields: not accepted by this operation");
        if (!q.error().empty()) return fail(q.error());
        std::vector<detail::form_part> parts;
        parts.push_back({"file", bytes, in.file_name, "image/" + std::string(format)});
        if (in.name) parts.push_back({"name", *in.name});
        if (in.hidden) parts.push_back({"hidden", *in.hidden ? "true" : "false"});
        std::string boundary;
        auto body = detail::multipart_body(parts, boundary);
        auto p = klaviyo::detail::make_plan<upload_image_from_file>(q.target(), std::move(body));
        p.content_type = "multipart/form-data; boundary=" + boundary;
        return p;
    }
};

} // namespace ops

/// Images are uploaded (async_create with an image_upload), read, listed,
/// renamed or hidden; the API has no delete.
struct image {
    static constexpr std::string_view type = "image"; ///< the JSON:API `type` of these resources
    using attributes_type = image_attributes; ///< what jsonapi::resource::attributes holds for them
    using create_type = image_upload; ///< the input of basic_client::async_create<image>()
    using update_type = image_update; ///< the input of basic_client::async_update<image>()
    using get_operation = ops::get_image; ///< what basic_client::async_get<image>() runs
    /// What basic_client::async_list<image>(), pages<image>() and items<image>() run.
    using list_operation = ops::get_images;
    using create_operation = ops::upload_image; ///< what basic_client::async_create<image>() runs
    using update_operation = ops::update_image; ///< what basic_client::async_update<image>() runs
    using delete_operation = void; ///< void: the API has no such operation, and a call to it does not compile
};

} // namespace klaviyo
