// SPDX-License-Identifier: GPL-2.0
// A small streaming JSON writer (compact, or pretty with 4-space indents).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace kpath {

// A floating-point value in the form it is written in, in JSON and in text:
//
//   Real(v)               the shortest that reads back as v: 0.1, 100, 1e+21
//   Real::general(v, n)   printf's "%.ng" (n significant digits, 6 by
//                         default): 33.3333, 100, 1e-05
//   Real::fixed(v, n)     printf's "%.nf" (n decimals, zeros kept): 0.040, 1.000
//
// JSON has no NaN or infinity: JsonWriter writes those as null.
class Real {
public:
    explicit Real(double v) noexcept : v_(v) {}
    static Real general(double v, int digits = 6) noexcept { return {v, Form::General, digits}; }
    static Real fixed(double v, int decimals) noexcept { return {v, Form::Fixed, decimals}; }

    double value() const noexcept { return v_; }
    bool finite() const noexcept;
    // The text ("nan", "inf", "-inf" when not finite).
    std::string str() const;

private:
    enum class Form { Shortest, General, Fixed };
    Real(double v, Form form, int precision) noexcept : v_(v), form_(form), precision_(precision) {}

    double v_;
    Form form_ = Form::Shortest;
    int precision_ = 0;
};

class JsonWriter {
public:
    explicit JsonWriter(std::ostream &os, bool pretty = false) : os_(os), pretty_(pretty) {}

    JsonWriter &begin_object();
    JsonWriter &end_object();
    JsonWriter &begin_array();
    JsonWriter &end_array();
    // Inside an object: the next value's name.
    JsonWriter &key(std::string_view name);

    JsonWriter &value(std::string_view s);
    JsonWriter &value(const char *s) { return value(std::string_view(s)); }
    JsonWriter &value(const std::string &s) { return value(std::string_view(s)); }
    JsonWriter &value(bool b);
    // null when not finite.
    JsonWriter &value(const Real &r);
    JsonWriter &value(double v) { return value(Real(v)); }
    template <std::integral T>
    requires(!std::same_as<T, bool>) JsonWriter &value(T v) {
        if constexpr (std::is_signed_v<T>)
            return number(std::to_string(static_cast<long long>(v)));
        else
            return number(std::to_string(static_cast<unsigned long long>(v)));
    }
    JsonWriter &null();

    // key + value in one call; the optional overload writes nothing for nullopt.
    template <typename T>
    JsonWriter &member(std::string_view name, const T &v) {
        return key(name).value(v);
    }
    template <typename T>
    JsonWriter &member(std::string_view name, const std::optional<T> &v) {
        if (v)
            key(name).value(*v);
        return *this;
    }

    // The stream written to.
    std::ostream &stream() const noexcept { return os_; }

    // True once a complete top-level value has been written.
    bool complete() const noexcept { return stack_.empty() && wrote_top_; }

    // JSON string literal contents for s (without the quotes).
    static std::string escape(std::string_view s);

private:
    enum class Ctx { Object, Array };
    struct Level {
        Ctx ctx;
        bool empty = true;
    };

    JsonWriter &number(const std::string &digits);
    void before_value();
    void newline_indent(size_t depth);
    JsonWriter &open(Ctx ctx, char c);
    JsonWriter &close(Ctx ctx, char c);

    std::ostream &os_;
    bool pretty_;
    std::vector<Level> stack_;
    bool have_key_ = false;
    bool wrote_top_ = false;
};

} // namespace kpath
