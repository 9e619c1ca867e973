"""Draws the synthetic sample images of the sandbox: an ID card front and back and a selfie.

Nothing here shows a real person or a real document: the card is a drawn SPECIMEN layout, the
selfie a cartoon face. The images are committed; run this only to change them:

    python3 -m venv .venv && .venv/bin/pip install Pillow==11.3.0
    .venv/bin/python samples/generate.py

Outputs (next to this script): id-front.jpg, id-back.jpg, selfie.jpg, and id-front-blurred.jpg,
whose JPEG comment carries the sandbox's blur marker `JUMIO-SANDBOX:BLURRED`.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
CARD = (1000, 630)
INK = (24, 38, 74)
PAPER = (226, 236, 246)
BAND = (40, 86, 160)
RED = (196, 30, 45)


def font(size):
    return ImageFont.load_default(size=size)


def cartoon_face(draw, box, skin=(246, 205, 170)):
    """A simple cartoon face inside box (left, top, right, bottom)."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    draw.ellipse(box, fill=skin, outline=INK, width=4)
    eye_y = top + height * 0.40
    for eye_x in (left + width * 0.33, left + width * 0.67):
        r = width * 0.06
        draw.ellipse((eye_x - r, eye_y - r, eye_x + r, eye_y + r), fill="white", outline=INK, width=3)
        draw.ellipse((eye_x - r / 2, eye_y - r / 2, eye_x + r / 2, eye_y + r / 2), fill=INK)
    draw.arc(
        (left + width * 0.30, top + height * 0.50, left + width * 0.70, top + height * 0.78),
        start=20,
        end=160,
        fill=INK,
        width=5,
    )
    draw.pieslice((left, top - height * 0.05, right, top + height * 0.45), 180, 360, fill=(92, 60, 40))


def watermark(image, text="SPECIMEN"):
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    big = font(image.size[0] // 7)
    draw.text((image.size[0] * 0.12, image.size[1] * 0.38), text, font=big, fill=RED + (90,))
    layer = layer.rotate(18, center=(image.size[0] / 2, image.size[1] / 2))
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def id_front():
    image = Image.new("RGB", CARD, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, CARD[0] - 8, CARD[1] - 8), radius=36, outline=INK, width=6)
    draw.rectangle((8, 60, CARD[0] - 8, 140), fill=BAND)
    draw.text((40, 78), "SANDBOX DRIVING LICENSE", font=font(44), fill="white")
    draw.text((40, 20), "SYNTHETIC DOCUMENT - NOT VALID FOR IDENTIFICATION", font=font(22), fill=RED)
    cartoon_face(draw, (50, 180, 330, 500))
    fields = [
        ("1", "DOE"),
        ("2", "JANE"),
        ("3", "DOB 1990-01-01"),
        ("4a", "ISS 2024-03-01"),
        ("4b", "EXP 2034-03-01"),
        ("4d", "DL D0000000"),
        ("8", "123 MAIN STREET, CHICAGO, IL"),
        ("9", "CLASS D"),
    ]
    for row, (number, value) in enumerate(fields):
        y = 180 + row * 48
        draw.text((380, y), number, font=font(24), fill=BAND)
        draw.text((440, y - 4), value, font=font(32), fill=INK)
    draw.text((50, 540), "Jane Doe", font=font(40), fill=INK)
    return watermark(image)


def id_back():
    image = Image.new("RGB", CARD, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, CARD[0] - 8, CARD[1] - 8), radius=36, outline=INK, width=6)
    draw.text((40, 30), "SANDBOX DRIVING LICENSE - BACK", font=font(36), fill=INK)
    for i in range(60):
        x = 60 + i * 14
        draw.rectangle((x, 110, x + (4 if i % 3 else 8), 290), fill=INK)
    draw.text((60, 300), "SYNTHETIC BARCODE - ENCODES NOTHING", font=font(24), fill=RED)
    lines = ["DLUSAD0000000<<<<<<<<<<<<<<<", "9001011F3403012USA<<<<<<<<<<", "DOE<<JANE<<<<<<<<<<<<<<<<<<<"]
    for row, line in enumerate(lines):
        draw.text((60, 380 + row * 56), line, font=font(40), fill=INK)
    return watermark(image)


def selfie():
    image = Image.new("RGB", (900, 1200), (190, 215, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 900, 900, 1200), fill=(120, 150, 120))
    draw.pieslice((150, 820, 750, 1400), 180, 360, fill=(70, 110, 170), outline=INK, width=4)
    cartoon_face(draw, (230, 260, 670, 860))
    draw.text((40, 40), "SYNTHETIC SELFIE - CARTOON", font=font(44), fill=RED)
    return watermark(image)


def main():
    quality = {"quality": 85, "optimize": True}
    id_front().save(HERE / "id-front.jpg", **quality)
    id_back().save(HERE / "id-back.jpg", **quality)
    selfie().save(HERE / "selfie.jpg", **quality)
    blurred = id_front().filter(ImageFilter.GaussianBlur(6))
    blurred.save(HERE / "id-front-blurred.jpg", comment=b"JUMIO-SANDBOX:BLURRED", **quality)


if __name__ == "__main__":
    main()
