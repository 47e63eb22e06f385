// SPDX-License-Identifier: GPL-2.0
// One printer for text and JSON output, after iproute2's print_*(PRINT_ANY,
// key, fmt, value): each field is written once, and the mode decides whether
// it becomes a JSON member `key` or text made from `fmt`.
//
//     p.open_object();
//     p.field(Where::Json, "ifindex", "", dev.ifindex);
//     p.text(std::to_string(dev.ifindex) + ": " + dev.ifname + ":");
//     p.field(Where::Any, "mtu", " mtu {}", dev.mtu); // nothing for nullopt
//     p.close_object();
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "kpath/json.hpp"
#include "kpath/text.hpp"

namespace kpath::print {

enum class Mode { Text, Json };

// Which output a field goes to: both (iproute2's PRINT_ANY), or one only
// (PRINT_JSON, PRINT_FP).
enum class Where { Any, Json, Text };

class Printer {
public:
    // Text onto os, or JSON (a writer of its own, compact or pretty).
    Printer(std::ostream &os, Mode mode, bool pretty = false);
    // JSON through an existing writer.
    explicit Printer(JsonWriter &j);
    Printer(const Printer &) = delete;
    Printer &operator=(const Printer &) = delete;

    bool json() const noexcept { return json_ != nullptr; }
    // The JSON writer; only in JSON mode.
    JsonWriter &json_writer() { return *json_; }

    // Objects and arrays exist in JSON only; `key` names them inside an
    // object (empty: an array element or the top-level value).
    Printer &open_object(std::string_view key = {});
    Printer &close_object();
    Printer &open_array(std::string_view key = {});
    Printer &close_array();

    // An object shown in text as aligned "name value" rows (a counter
    // listing): fields until close_rows() are rows of `key` and the text of
    // `fmt`, printed with `indent` spaces by close_rows().
    Printer &open_rows(std::string_view key);
    Printer &close_rows(size_t indent);

    // Text only, as is.
    Printer &text(std::string_view s);
    // Text only: a line break (JSON objects need none).
    Printer &newline() { return text("\n"); }

    // A field: a JSON member key: value, or `fmt` with "{}" replaced by the
    // value's text (integers in decimal, strings as they are, booleans as
    // "on"/"off", floating-point numbers as Real writes them: a double in
    // its shortest form, a Real in its own). An optional without a value
    // prints nothing at all.
    template <typename T>
    Printer &field(Where where, std::string_view key, std::string_view fmt, const T &v) {
        if (json()) {
            if (where != Where::Text)
                json_->member(key, v);
        } else if (where != Where::Json) {
            put_text(key, fmt, text_of(v));
        }
        return *this;
    }
    template <typename T>
    Printer &field(Where where, std::string_view key, std::string_view fmt,
                   const std::optional<T> &v) {
        if (v)
            field(where, key, fmt, *v);
        return *this;
    }
    // A field whose text is not the JSON value's (e.g. a rate "1%" for 10000).
    template <typename T>
    Printer &field(Where where, std::string_view key, std::string_view fmt, const T &json_value,
                   std::string_view text_value) {
        if (json()) {
            if (where != Where::Text)
                json_->member(key, json_value);
        } else if (where != Where::Json) {
            put_text(key, fmt, text_value);
        }
        return *this;
    }

private:
    static std::string text_of(std::string_view s) { return std::string(s); }
    static std::string text_of(const std::string &s) { return s; }
    static std::string text_of(const char *s) { return s; }
    static std::string text_of(bool b) { return text::on_off(b); }
    static std::string text_of(const Real &r) { return r.str(); }
    static std::string text_of(double v) { return Real(v).str(); }
    template <std::integral T>
    requires(!std::same_as<T, bool>) static std::string text_of(T v) { return std::to_string(v); }

    void put_text(std::string_view key, std::string_view fmt, std::string_view value);

    std::ostream &os_;
    std::optional<JsonWriter> own_json_;
    JsonWriter *json_ = nullptr;
    // Text rows between open_rows() and close_rows().
    std::optional<text::Table> rows_;
};

// fmt with its first "{}" replaced by value (fmt as is without one).
std::string format(std::string_view fmt, std::string_view value);

} // namespace kpath::print
