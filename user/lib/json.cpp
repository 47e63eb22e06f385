// SPDX-License-Identifier: GPL-2.0
#include "kpath/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace kpath {

bool Real::finite() const noexcept {
    return std::isfinite(v_);
}

std::string Real::str() const {
    if (form_ == Form::Shortest) {
        char buf[32]; // the longest is 24: "-2.2250738585072014e-308"
        return std::string(buf, std::to_chars(buf, buf + sizeof(buf), v_).ptr);
    }
    auto print = [this](char *buf, size_t size) {
        return form_ == Form::Fixed ? std::snprintf(buf, size, "%.*f", precision_, v_)
                                    : std::snprintf(buf, size, "%.*g", precision_, v_);
    };
    std::string s(static_cast<size_t>(std::max(print(nullptr, 0), 0)), '\0');
    print(s.data(), s.size() + 1);
    return s;
}

std::string JsonWriter::escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                out += buf;
            } else {
                out += ch; // UTF-8 passes through unchanged
            }
        }
    }
    return out;
}

void JsonWriter::newline_indent(size_t depth) {
    os_ << '\n';
    for (size_t i = 0; i < depth; i++)
        os_ << "    ";
}

void JsonWriter::before_value() {
    if (stack_.empty()) {
        if (wrote_top_)
            throw std::logic_error("JsonWriter: more than one top-level value");
        wrote_top_ = true;
        return;
    }
    Level &top = stack_.back();
    if (top.ctx == Ctx::Object) {
        if (!have_key_)
            throw std::logic_error("JsonWriter: value in an object without a key");
        have_key_ = false;
        return; // key() already wrote the separator
    }
    if (!top.empty)
        os_ << ',';
    top.empty = false;
    if (pretty_)
        newline_indent(stack_.size());
}

JsonWriter &JsonWriter::key(std::string_view name) {
    if (stack_.empty() || stack_.back().ctx != Ctx::Object || have_key_)
        throw std::logic_error("JsonWriter: key outside an object");
    Level &top = stack_.back();
    if (!top.empty)
        os_ << ',';
    top.empty = false;
    if (pretty_)
        newline_indent(stack_.size());
    os_ << '"' << escape(name) << (pretty_ ? "\": " : "\":");
    have_key_ = true;
    return *this;
}

JsonWriter &JsonWriter::open(Ctx ctx, char c) {
    before_value();
    os_ << c;
    stack_.push_back({ctx, true});
    return *this;
}

JsonWriter &JsonWriter::close(Ctx ctx, char c) {
    if (stack_.empty() || stack_.back().ctx != ctx || have_key_)
        throw std::logic_error("JsonWriter: unbalanced close");
    const bool empty = stack_.back().empty;
    stack_.pop_back();
    if (pretty_ && !empty)
        newline_indent(stack_.size());
    os_ << c;
    return *this;
}

JsonWriter &JsonWriter::begin_object() {
    return open(Ctx::Object, '{');
}

JsonWriter &JsonWriter::end_object() {
    return close(Ctx::Object, '}');
}

JsonWriter &JsonWriter::begin_array() {
    return open(Ctx::Array, '[');
}

JsonWriter &JsonWriter::end_array() {
    return close(Ctx::Array, ']');
}

JsonWriter &JsonWriter::value(std::string_view s) {
    before_value();
    os_ << '"' << escape(s) << '"';
    return *this;
}

JsonWriter &JsonWriter::value(bool b) {
    before_value();
    os_ << (b ? "true" : "false");
    return *this;
}

JsonWriter &JsonWriter::value(const Real &r) {
    return r.finite() ? number(r.str()) : null();
}

JsonWriter &JsonWriter::null() {
    before_value();
    os_ << "null";
    return *this;
}

JsonWriter &JsonWriter::number(const std::string &digits) {
    before_value();
    os_ << digits;
    return *this;
}

} // namespace kpath
