// SPDX-License-Identifier: GPL-2.0
#include "kpath/print.hpp"

namespace kpath::print {

std::string format(std::string_view fmt, std::string_view value) {
    const auto pos = fmt.find("{}");
    if (pos == std::string_view::npos)
        return std::string(fmt);
    std::string s(fmt.substr(0, pos));
    s += value;
    s += fmt.substr(pos + 2);
    return s;
}

Printer::Printer(std::ostream &os, Mode mode, bool pretty) : os_(os) {
    if (mode == Mode::Json)
        json_ = &own_json_.emplace(os, pretty);
}

Printer::Printer(JsonWriter &j) : os_(j.stream()), json_(&j) {}

Printer &Printer::open_object(std::string_view key) {
    if (json()) {
        if (!key.empty())
            json_->key(key);
        json_->begin_object();
    }
    return *this;
}

Printer &Printer::close_object() {
    if (json())
        json_->end_object();
    return *this;
}

Printer &Printer::open_array(std::string_view key) {
    if (json()) {
        if (!key.empty())
            json_->key(key);
        json_->begin_array();
    }
    return *this;
}

Printer &Printer::close_array() {
    if (json())
        json_->end_array();
    return *this;
}

Printer &Printer::open_rows(std::string_view key) {
    if (json())
        open_object(key);
    else
        rows_.emplace(std::vector<text::Align>{text::Align::Left, text::Align::Right});
    return *this;
}

Printer &Printer::close_rows(size_t indent) {
    if (json()) {
        close_object();
    } else if (rows_) {
        rows_->print(os_, indent);
        rows_.reset();
    }
    return *this;
}

Printer &Printer::text(std::string_view s) {
    if (!json())
        os_ << s;
    return *this;
}

void Printer::put_text(std::string_view key, std::string_view fmt, std::string_view value) {
    if (rows_)
        rows_->add_row({std::string(key), format(fmt, value)});
    else
        os_ << format(fmt, value);
}

} // namespace kpath::print
