#pragma once
// main() for the Qt Test cases that runs the test functions in a shuffled order, so that a test
// which silently depends on another one's state fails. The order is printed with its seed;
// FLOWPP_TEST_ORDER_SEED=<n> repeats an order, FLOWPP_TEST_ORDER=declared keeps the declared one.
// Function names given on the command line run as given (no shuffling).
#include <QMetaMethod>
#include <QRandomGenerator>
#include <QStringList>
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <random>

namespace flowpp::test {

inline QStringList shuffledTestFunctions(const QMetaObject* meta) {
  QStringList names;
  for (int i = meta->methodOffset(); i < meta->methodCount(); ++i) {
    const QMetaMethod m = meta->method(i);
    const QString name = QString::fromLatin1(m.name());
    if (m.methodType() != QMetaMethod::Slot || m.access() != QMetaMethod::Private || m.parameterCount() != 0) continue;
    if (name.endsWith("_data") || name == "initTestCase" || name == "cleanupTestCase" || name == "init" || name == "cleanup") continue;
    names << name;
  }
  if (qEnvironmentVariable("FLOWPP_TEST_ORDER") == "declared") return names;
  bool ok = false;
  quint64 seed = qEnvironmentVariable("FLOWPP_TEST_ORDER_SEED").toULongLong(&ok);
  if (!ok) seed = QRandomGenerator::global()->generate();
  std::mt19937_64 rng(seed);
  std::shuffle(names.begin(), names.end(), rng);
  std::printf("test order (FLOWPP_TEST_ORDER_SEED=%llu): %s\n", static_cast<unsigned long long>(seed), qPrintable(names.join(' ')));
  return names;
}

template <typename Test>
int runShuffled(int argc, char** argv) {
  Test test;
  QStringList args;
  for (int i = 0; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);
  const bool namesGiven = std::any_of(args.begin() + 1, args.end(), [](const QString& a) { return !a.startsWith('-'); });
  if (!namesGiven) args << shuffledTestFunctions(test.metaObject());
  return QTest::qExec(&test, args);
}

}  // namespace flowpp::test

#define FLOWPP_TEST_GUILESS_MAIN(Test)                    \
  int main(int argc, char** argv) {                       \
    QCoreApplication app(argc, argv);                     \
    return flowpp::test::runShuffled<Test>(argc, argv);   \
  }

#define FLOWPP_TEST_MAIN(Test)                            \
  int main(int argc, char** argv) {                       \
    QApplication app(argc, argv);                         \
    return flowpp::test::runShuffled<Test>(argc, argv);   \
  }
