"""The one stylesheet of the books, inlined in every page (no external resource, print-friendly)."""

CSS = """
:root { --ink:#1d2329; --muted:#5f6b76; --line:#dde3e8; --soft:#f5f7f9; --accent:#00507a; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 14px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
       color: var(--ink); background: #fff; }
.page { max-width: 1180px; margin: 0 auto; padding: 0 24px 40px; }
header.top { background: var(--accent); color: #fff; padding: 18px 24px 14px; }
header.top .inner { max-width: 1132px; margin: 0 auto; }
header.top .kicker { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; opacity: .85; }
header.top h1 { margin: 4px 0 2px; font-size: 26px; line-height: 1.2; }
header.top .sub { font-size: 14px; opacity: .92; }
nav.bar { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 10px 0 0; font-size: 13px; }
nav.bar a { color: #fff; text-decoration: none; border-bottom: 1px solid rgba(255,255,255,.4); }
nav.bar a.here { font-weight: 700; border-bottom: 2px solid #fff; }
nav.bar .sep { opacity: .5; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h2 .count { font-weight: 400; color: var(--muted); font-size: 14px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; margin: 16px 0 4px;
          padding: 10px 12px; background: var(--soft); border-radius: 6px; font-size: 12.5px; }
.legend b { margin-right: 4px; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; vertical-align: -2px;
          margin-right: 5px; border: 1px solid rgba(0,0,0,.15); }
.summary { margin: 10px 0 0; font-size: 13px; color: var(--muted); }
.summary ul { margin: 4px 0 0; padding-left: 18px; }
article.project { display: grid; grid-template-columns: minmax(0, 1fr) 316px; gap: 8px 22px;
                  border: 1px solid var(--line); border-left: 7px solid var(--status);
                  border-radius: 6px; padding: 14px 16px 12px; margin: 14px 0; break-inside: avoid; }
article.project .head { grid-column: 1 / -1; display: flex; flex-wrap: wrap; align-items: baseline;
                        gap: 6px 10px; }
article.project h3 { margin: 0; font-size: 17px; }
.code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--muted); }
.pill { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12px; font-weight: 700; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; font-weight: 700;
         background: #e8eef3; color: #34495e; border: 1px solid #cfd9e1; }
.badge.new { background: #fff3cd; color: #7a5a00; border-color: #f0d98a; }
.badge.changed { background: #e3f2fd; color: #0d47a1; border-color: #b6d7f5; }
.badge.lang { background: #fff; color: #8a4b00; border-color: #e0b27a; font-size: 10px;
              padding: 0 4px; margin-left: 4px; vertical-align: 1px; }
.fb { color: #3d454c; }
.sec h4 { margin: 10px 0 2px; font-size: 12px; letter-spacing: .05em; text-transform: uppercase;
          color: var(--accent); }
.sec p { margin: 0 0 4px; }
.sec .none { color: var(--muted); font-style: italic; }
dl.attrs { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 2px 0 0;
           font-size: 13px; }
dl.attrs dt { color: var(--muted); }
dl.attrs dd { margin: 0; }
.tags { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.tag { font-size: 11.5px; background: #f1ecf7; color: #4a2e6e; border-radius: 4px; padding: 1px 6px; }
.side { font-size: 12.5px; }
.side h4 { margin: 10px 0 4px; font-size: 12px; letter-spacing: .05em; text-transform: uppercase;
           color: var(--accent); }
.side .hist { margin: 2px 0 0; color: var(--muted); }
.side ul.changes { margin: 2px 0 0; padding-left: 18px; }
.side .caption { color: var(--muted); margin-top: 2px; }
svg { display: block; }
table.matrix { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 13px; }
table.matrix th, table.matrix td { border: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
table.matrix thead th { background: var(--soft); text-align: left; font-size: 12.5px; }
table.matrix td.n { text-align: center; width: 70px; font-weight: 700; }
table.matrix tbody th { text-align: left; font-weight: 600; }
table.matrix tr.shared th { background: #fff4d6; }
table.matrix tr.shared td.n { background: #ffe08a; }
table.matrix td.hit { background: #e3f0fb; }
table.matrix tr.shared td.hit { background: #c9e2f8; }
table.matrix td .k { font-weight: 700; font-size: 14px; }
table.matrix td .projects { display: block; font-size: 11.5px; color: var(--muted); }
.key { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12.5px; margin: 10px 0;
       padding: 10px 12px; background: var(--soft); border-radius: 6px; }
.key .box { display: inline-block; width: 16px; height: 14px; vertical-align: -2px; margin-right: 5px;
            border: 1px solid #ccc; }
ul.raised { padding-left: 18px; }
ul.raised li { margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
.card h3 { margin: 0 0 4px; font-size: 15px; }
.card a { color: var(--accent); }
a { color: var(--accent); }
footer { margin-top: 30px; padding-top: 10px; border-top: 1px solid var(--line); font-size: 12px;
         color: var(--muted); }
@media print {
  header.top { padding: 10px 0; }
  nav.bar { display: none; }
  article.project { grid-template-columns: minmax(0, 1fr) 300px; }
}
"""
