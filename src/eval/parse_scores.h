#pragma once
// Scores of a log parser against ground truth, as the published benchmarks define them.
//
// Grouping accuracy (Zhu et al., "Tools and Benchmarks for Automated Log Parsing", ICSE-SEIP
// 2019; logparser's evaluator): a message counts as correct only when the set of messages the
// parser put in its group is exactly the set the ground truth puts in the message's event.
// Rows whose truth label is empty are left out, as the evaluator does. The same pass gives the
// pairwise precision, recall and F-measure.
//
// Parsing accuracy (Khan et al., ICSE 2022): the share of messages whose template text equals
// the ground-truth template exactly.
#include <string>
#include <vector>

namespace hostmind {

struct GroupingScore {
  double accuracy = 0;  // GA
  double precision = 0;
  double recall = 0;
  double f_measure = 0;
};

// `truth` and `parsed` are one label per message, in the same order and of the same length.
GroupingScore ScoreGrouping(const std::vector<std::string>& truth, const std::vector<std::string>& parsed);
double ParsingAccuracy(const std::vector<std::string>& truth_templates,
                       const std::vector<std::string>& parsed_templates);

}  // namespace hostmind
