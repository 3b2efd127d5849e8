"""PDFs for the tests, built with reportlab and its built-in Japanese CID font (no font file):
tables ruled or not, one table per page, a footer on every page, paragraphs around the table."""
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
STYLE = ParagraphStyle("ja", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")


def cell(text):
    """A table cell: a paragraph wrapping at the cell's width; a line break in ``text`` starts a
    new line."""
    return Paragraph(text.replace("\n", "<br/>"), STYLE) if text else ""


def build_pdf(path, pages, widths, header=None, ruled=True, before=(), after=(), footer="- {n} -",
              spans=None):
    """Write ``path``: each of ``pages`` is the rows of one page's table (lists of cell texts), the
    ``header`` row repeated on top of each; ``before`` / ``after`` are paragraphs before the first
    and after the last table; ``footer`` is drawn at the bottom of each page ({n}: its number);
    ``spans`` maps a page index to reportlab SPAN commands ((col, row), (col, row)) of its table."""
    def draw_footer(canvas, doc):
        if footer:
            canvas.setFont(FONT, 9)
            canvas.drawCentredString(A4[0] / 2, 30, footer.format(n=doc.page))

    story = [Paragraph(p, STYLE) for p in before] + ([Spacer(1, 12)] if before else [])
    for k, rows in enumerate(pages):
        data = ([[cell(h) for h in header]] if header else []) + [[cell(c) for c in row] for row in rows]
        style = [("VALIGN", (0, 0), (-1, -1), "TOP")]
        if ruled:
            style.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
        offset = 1 if header else 0
        for a, b in (spans or {}).get(k, []):
            style.append(("SPAN", (a[0], a[1] + offset), (b[0], b[1] + offset)))
        table = Table(data, colWidths=widths)
        table.setStyle(TableStyle(style))
        story.append(table)
        if k + 1 < len(pages):
            story.append(PageBreak())
    story += ([Spacer(1, 12)] if after else []) + [Paragraph(p, STYLE) for p in after]
    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return path


def image_only_pdf(path, text="意見募集の結果（スキャン）"):
    """A one-page PDF whose page is an image of text: a scan, with no text layer."""
    import io

    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(img).rectangle((20, 20, 580, 180), outline="black", width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 50, 500, width=480, height=160)
    c.showPage()
    c.save()
    return path
