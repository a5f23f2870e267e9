#!/usr/bin/env perl
# Wraps `//` and `///` comments that run past the line limit (CSharpier wraps code but never comments):
#   - a whole-line comment is split at spaces (never inside an XML doc tag) into lines of the same prefix; what runs
#     over joins the next line when that continues the sentence (same prefix, starts in lower case);
#   - a comment after code moves to its own line(s) just above that code, at the code's indentation.
# Code, string literals and words longer than the limit (URLs) are left alone. Idempotent; rewrites only files it
# changes. Usage: wrap-comments.pl LIMIT FILE...
use strict;
use warnings;
use open qw(:std :encoding(UTF-8));

my $limit = shift @ARGV or die "usage: wrap-comments.pl LIMIT FILE...\n";

# Splits TEXT into pieces that fit LIMIT after PREFIX; a space inside <...> is not a break point.
sub wrap_text {
    my ($prefix, $text) = @_;
    my @words;
    my ($word, $depth) = ('', 0);
    for my $ch (split //, $text) {
        $depth++ if $ch eq '<';
        $depth-- if $ch eq '>' && $depth > 0;
        if ($ch eq ' ' && $depth == 0) { push @words, $word; $word = ''; } else { $word .= $ch; }
    }
    push @words, $word;
    my (@lines, $line);
    for my $w (@words) {
        if (!defined $line) { $line = $w; next; }
        if (length($prefix) + length($line) + 1 + length($w) > $limit && $line ne '') { push @lines, $line; $line = $w; }
        else { $line .= " $w"; }
    }
    push @lines, $line if defined $line;
    return map { my $l = "$prefix$_"; $l =~ s/\s+$//; $l } @lines;
}

# The column of the ` // ` that starts a comment after code, or -1: quotes are counted outside character literals
# (a `//` inside a string is never taken); lines with raw strings or block comments are left alone.
sub comment_start {
    my ($line) = @_;
    return -1 if $line =~ /"""|\/\*/;
    (my $masked = $line) =~ s/'(\\.|[^'\\])'/"'" . (' ' x length($1)) . "'"/ge;
    my $in_string = 0;
    for (my $i = 0; $i <= length($masked) - 4; $i++) {
        my $ch = substr($masked, $i, 1);
        if ($in_string && $ch eq '\\') { $i++; next; }
        $in_string = !$in_string if $ch eq '"';
        return $i if !$in_string && substr($masked, $i, 4) eq ' // ' && substr($masked, 0, $i) =~ /\S/;
    }
    return -1;
}

for my $file (@ARGV) {
    open(my $in, '<', $file) or die "$file: $!\n";
    my @lines = <$in>;
    close $in;
    my (@out, $changed, $in_raw);
    for my $index (0 .. $#lines) {
        my $line = $lines[$index];
        my $eol = $line =~ s/(\r?\n)$// ? $1 : '';
        my $quotes = () = $line =~ /"""/g;
        my $raw_before = $in_raw;
        $in_raw = !$in_raw if $quotes % 2;
        if ($raw_before || length($line) <= $limit) { push @out, "$line$eol"; next; }
        if ($line =~ m{^(\s*)(///?) (.*)$}) {
            my ($indent, $slashes, $text) = ($1, $2, $3);
            my @wrapped = wrap_text("$indent$slashes ", $text);
            if (@wrapped > 1) {
                # The overflow joins the next line when that continues the same sentence (same prefix, lower case).
                my $next = $index < $#lines ? $lines[$index + 1] : '';
                if ($next =~ /^\Q$indent$slashes\E ([a-z(].*)$/s) {
                    my $rest = $1;
                    my $overflow = substr(pop @wrapped, length("$indent$slashes "));
                    $lines[$index + 1] = "$indent$slashes $overflow $rest";
                }
                push @out, map { "$_$eol" } @wrapped;
                $changed = 1;
                next;
            }
        }
        elsif ((my $at = comment_start($line)) >= 0) {
            my ($indent) = $line =~ /^(\s*)/;
            my $code = substr($line, 0, $at);
            $code =~ s/^\s+|\s+$//g;
            my $text = substr($line, $at + 4);
            push @out, map { "$_$eol" } wrap_text("$indent// ", $text);
            push @out, "$indent$code$eol";
            $changed = 1;
            next;
        }
        push @out, "$line$eol";
    }
    next unless $changed;
    open(my $fh, '>', $file) or die "$file: $!\n";
    print $fh @out;
    close $fh;
}
