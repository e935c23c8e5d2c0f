#pragma once
// The report stage of `metarom compare`, apart from its numerics: the Markdown tables
// written from the JSON result alone, and the figures (compare_plots.py) drawn from the
// files in the output directory.
#include <nlohmann/json.hpp>
#include <string>

namespace metarom::cli {

std::string compare_markdown(const nlohmann::json& all);
// Runs the plotting script on `out` (rank 0); says what was drawn, or why not.
std::string draw_compare_figures(const std::string& out);

}  // namespace metarom::cli
