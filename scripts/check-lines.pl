#!/usr/bin/env perl
# Checks the size habits of the C# under src/ and tests/: no line over LIMIT characters, no file over MAX lines.
# Exempt lines (nothing can wrap them without changing a value): a line inside a multi-line raw string literal
# ("""), a line whose code is one string literal (CSharpier has put it on a line of its own: only `return`,
# `yield return`, `+`, `?`, `:`, `..` or `=>` before it, `,` `;` `)` `+` after it), and a comment line whose
# over-long part is one word (a URL). Files over MAX lines are allowed only as listed in ALLOWLIST ("path lines"), never above the
# listed count: that list only shrinks. Prints one line per problem; exits 1 when there is one.
# Usage: check-lines.pl LIMIT MAX ALLOWLIST FILE...
use strict;
use warnings;
use open qw(:std :encoding(UTF-8));

my ($limit, $max, $allowlist, @files) = @ARGV;
die "usage: check-lines.pl LIMIT MAX ALLOWLIST FILE...\n" unless defined $allowlist;

my %allowed;
if (-e $allowlist) {
    open(my $fh, '<', $allowlist) or die "$allowlist: $!\n";
    while (<$fh>) {
        next if /^\s*(#|$)/;
        my ($path, $lines) = split;
        $allowed{$path} = $lines;
    }
}

my $problems = 0;
for my $file (@files) {
    open(my $in, '<', $file) or die "$file: $!\n";
    my ($n, $in_raw) = (0, 0);
    while (my $line = <$in>) {
        $n++;
        $line =~ s/\r?\n$//;
        my $quotes = () = $line =~ /"""/g;
        my $raw_before = $in_raw;
        $in_raw = !$in_raw if $quotes % 2;
        next if length($line) <= $limit || $raw_before;
        next if $line =~ /^\s*(?:(?:return|yield return|[+?:]|\.\.|=>)\s+)?[\$@]*".*"(?:u8)?[+,;)]*$/;
        next if $line =~ m{^\s*///?\s} && substr($line, 0, $limit) !~ m{^\s*///?\s.*\S\s+\S};
        printf "%s:%d: line of %d characters (limit %d)\n", $file, $n, length($line), $limit;
        $problems++;
    }
    close $in;
    my $cap = $allowed{$file} // $max;
    if ($n > $cap) {
        printf "%s: %d lines (limit %d%s)\n", $file, $n, $cap, exists $allowed{$file} ? ", from $allowlist" : '';
        $problems++;
    }
}
exit($problems ? 1 : 0);
