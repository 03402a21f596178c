/*
 * The benchmark's summary table as markup: Markdown, AsciiDoc and Emacs
 * org-mode, hyperfine's three markup exports. One table, three syntaxes:
 * every cell is computed once (bench_table__cells) and only the framing
 * and the escaping of the command differ, so the three always agree. The
 * first five columns are hyperfine's (Command, Mean, Min, Max, Relative),
 * laid out as hyperfine lays out each syntax; perfeng adds the median with
 * its CI and the verdict.
 */
#include "out/bench_report.h"

#include <stdlib.h>
#include <string.h>

#include "out/format.h"
#include "util/error.h"
#include "util/xalloc.h"

enum table_syntax { TABLE_MARKDOWN, TABLE_ASCIIDOC, TABLE_ORGMODE };

#define TABLE_COLS 7
#define TABLE_CELL 160

/* The header cells, the unit filled in. */
static void table__header(enum time_unit u, char cell[TABLE_COLS][TABLE_CELL])
{
	const char *un = time_unit_name(u);

	snprintf(cell[0], TABLE_CELL, "Command");
	snprintf(cell[1], TABLE_CELL, "Mean [%s]", un);
	snprintf(cell[2], TABLE_CELL, "Min [%s]", un);
	snprintf(cell[3], TABLE_CELL, "Max [%s]", un);
	snprintf(cell[4], TABLE_CELL, "Relative");
	snprintf(cell[5], TABLE_CELL, "Median [%s] (95%% CI)", un);
	snprintf(cell[6], TABLE_CELL, "Verdict");
}

/* The cells of command i but its name (cell[0] is left empty). */
static void table__cells(const struct bench_report *r, size_t i, enum time_unit u,
			 char cell[TABLE_COLS][TABLE_CELL])
{
	const struct summary *w = &r->wall[i];
	const struct comparison *cmp = &r->cmp[i];
	int ref = i == r->reference || r->n < 2;
	char a[64], b[64], c[64];

	cell[0][0] = '\0';
	snprintf(cell[1], TABLE_CELL, "%s ± %s", fmt_time_num(a, sizeof(a), w->mean, u),
		 fmt_time_num(b, sizeof(b), w->stddev, u));
	fmt_time_num(cell[2], TABLE_CELL, w->min, u);
	fmt_time_num(cell[3], TABLE_CELL, w->max, u);
	if (ref)
		snprintf(cell[4], TABLE_CELL, "1.00");
	else
		snprintf(cell[4], TABLE_CELL, "%.2f (%.2f–%.2f)", cmp->ratio, cmp->ratio_ci[0], cmp->ratio_ci[1]);
	snprintf(cell[5], TABLE_CELL, "%s (%s–%s)", fmt_time_num(a, sizeof(a), w->median, u),
		 fmt_time_num(b, sizeof(b), w->median_ci[0], u), fmt_time_num(c, sizeof(c), w->median_ci[1], u));
	snprintf(cell[6], TABLE_CELL, "%s", ref ? "reference" : verdict_name(cmp->verdict));
}

/*
 * The command as code in the syntax: `x` (Markdown, AsciiDoc) or =x=
 * (org-mode), with what would end the cell or the code replaced: a `|` is
 * escaped (\| in Markdown and AsciiDoc; org-mode has no escape inside =x=, so
 * such a name is written as text with \vert{}), a backtick becomes ' and a
 * newline a space.
 */
static void table__command(FILE *f, enum table_syntax syn, const char *s)
{
	int org_code = syn == TABLE_ORGMODE && !strchr(s, '|');
	const char *quote = syn == TABLE_ORGMODE ? (org_code ? "=" : "") : "`";

	fputs(quote, f);
	for (; *s; s++) {
		if (*s == '|')
			fputs(syn == TABLE_ORGMODE ? "\\vert{}" : "\\|", f);
		else if (*s == '`' && syn != TABLE_ORGMODE)
			fputc('\'', f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputs(quote, f);
}

/* One row, the header (name NULL, cell[0] used) or a command's. */
static void table__row(FILE *f, enum table_syntax syn, const char *name, char cell[TABLE_COLS][TABLE_CELL])
{
	for (int k = 0; k < TABLE_COLS; k++) {
		switch (syn) {
		case TABLE_MARKDOWN:	/* | a | b |\n */
			fputs(k ? " | " : "| ", f);
			break;
		case TABLE_ASCIIDOC:	/* one "| a " line per cell */
			fputs("| ", f);
			break;
		case TABLE_ORGMODE:	/* | a  |  b |\n */
			fputs(k ? "  " : "| ", f);
			break;
		}
		if (k == 0 && name)
			table__command(f, syn, name);
		else
			fputs(cell[k], f);
		if (syn == TABLE_ASCIIDOC)
			fputs(" \n", f);
		else if (syn == TABLE_ORGMODE)
			fputs(k ? " |" : "  |", f);
	}
	if (syn == TABLE_MARKDOWN)
		fputs(" |\n", f);
	else if (syn == TABLE_ORGMODE)
		fputc('\n', f);
}

static int table__write(FILE *f, const struct bench_report *r, enum table_syntax syn)
{
	enum time_unit u = r->unit != TU_AUTO ? r->unit : time_unit_for(r->wall[r->reference].mean);
	size_t *order = xmalloc(r->n * sizeof(*order));
	char cell[TABLE_COLS][TABLE_CELL];
	static const char *const names[] = { "Markdown", "AsciiDoc", "org-mode" };

	bench_report_order(r, 1, order);
	table__header(u, cell);
	if (syn == TABLE_ASCIIDOC)
		fputs("[cols=\"<,>,>,>,>,>,<\"]\n|===\n", f);
	table__row(f, syn, NULL, cell);
	if (syn == TABLE_MARKDOWN)
		fputs("|:---|---:|---:|---:|---:|---:|:---|\n", f);
	else if (syn == TABLE_ORGMODE)
		fputs("|--+--+--+--+--+--+--|\n", f);
	for (size_t k = 0; k < r->n; k++) {
		if (syn == TABLE_ASCIIDOC)
			fputc('\n', f);	/* a blank line before each row */
		table__cells(r, order[k], u, cell);
		table__row(f, syn, r->cmds[order[k]].name, cell);
	}
	if (syn == TABLE_ASCIIDOC)
		fputs("|===\n", f);
	free(order);
	if (ferror(f))
		return pe_error("cannot write %s", names[syn]);
	return 0;
}

int out_bench_markdown(FILE *f, const struct bench_report *r)
{
	return table__write(f, r, TABLE_MARKDOWN);
}

int out_bench_asciidoc(FILE *f, const struct bench_report *r)
{
	return table__write(f, r, TABLE_ASCIIDOC);
}

int out_bench_orgmode(FILE *f, const struct bench_report *r)
{
	return table__write(f, r, TABLE_ORGMODE);
}
