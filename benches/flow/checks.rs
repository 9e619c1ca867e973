//! Part 3: the local image check (`ImageSource::check`, which reads the header only) against
//! decoding the image, on real images made with the `png` and `jpeg-encoder` crates.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use bytes::Bytes;
use jumio_kyx::ImageSource;
use jumio_kyx::image::ImageLimits;
use jumio_kyx_test_support::Rng;

use crate::flows::file_name;
use crate::options::Options;
use crate::summary::{Summary, median};
use crate::{MIB, Result};

/// Part 3: the local image check of a large PNG and JPEG, on the header in memory and from the
/// file, against decoding them.
pub async fn part3_checks(options: &Options, dir: &Path, summary: &mut Summary) -> Result<()> {
    let (png_side, jpeg_target) = if options.quick {
        (2000, MIB as usize)
    } else {
        (8000, (10 * MIB - 256 * 1024) as usize)
    };
    println!("\n## 3. Local image check (header only) against a full decode, per image");
    let generating = Instant::now();
    let png_path = dir.join("large.png");
    write_png(&png_path, png_side)?;
    let jpeg_path = dir.join("large-real.jpg");
    let (jpeg_w, jpeg_h) = write_noisy_jpeg(&jpeg_path, jpeg_target)?;
    println!(
        "(images generated in {:.1} s: {png_side}×{png_side} PNG of {:.1} MB, {jpeg_w}×{jpeg_h} \
         JPEG of {:.1} MB)",
        generating.elapsed().as_secs_f64(),
        std::fs::metadata(&png_path)?.len() as f64 / MIB as f64,
        std::fs::metadata(&jpeg_path)?.len() as f64 / MIB as f64,
    );
    println!(
        "{:<30} {:>25} {:>24} {:>14}",
        "image", "header in memory (64 KiB)", "ImageSource::check (file)", "full decode"
    );
    let limits = ImageLimits::default();
    let iterations = if options.quick { 100 } else { 1000 };
    let decodes = if options.quick { 1 } else { 3 };
    for (label, path, is_png) in [
        (format!("PNG {png_side}×{png_side}"), &png_path, true),
        (format!("JPEG {jpeg_w}×{jpeg_h}"), &jpeg_path, false),
    ] {
        let bytes = std::fs::read(path)?;
        // The first 64 KiB, as ImageSource::check reads them from a file, checked in memory.
        let header = Bytes::copy_from_slice(&bytes[..bytes.len().min(64 * 1024)]);
        let in_memory = ImageSource::bytes(file_name(path), header);
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(std::hint::black_box(&in_memory).check(&limits).await?);
        }
        let header_time = started.elapsed() / iterations;
        // ImageSource::check: open, size, read the header, check.
        let source = ImageSource::path(path);
        let mut file_times = Vec::new();
        for _ in 0..iterations {
            let started = Instant::now();
            std::hint::black_box(source.check(&limits).await?);
            file_times.push(started.elapsed().as_secs_f64());
        }
        let file_time = median(file_times.into_iter());
        let mut decode_times = Vec::new();
        for _ in 0..decodes {
            let started = Instant::now();
            let pixels = if is_png {
                decode_png(&bytes)?
            } else {
                decode_jpeg(&bytes)?
            };
            decode_times.push(started.elapsed().as_secs_f64());
            std::hint::black_box(pixels);
        }
        let decode_time = median(decode_times.into_iter());
        println!(
            "{label:<30} {:>22.2} µs {:>21.1} µs {:>11.1} ms",
            header_time.as_secs_f64() * 1e6,
            file_time * 1e6,
            decode_time * 1e3
        );
        let worst = file_time.max(header_time.as_secs_f64());
        summary.add(
            &format!("local image check, {label}"),
            format!(
                "{:.0} µs (file), {:.2} µs (header in memory); decode {:.0} ms",
                file_time * 1e6,
                header_time.as_secs_f64() * 1e6,
                decode_time * 1e3
            ),
            "< 1 ms",
            Some(worst < 1e-3),
        );
    }
    std::fs::remove_file(png_path)?;
    std::fs::remove_file(jpeg_path)?;
    Ok(())
}

fn decode_png(bytes: &[u8]) -> Result<usize> {
    let decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits { bytes: usize::MAX },
    );
    let mut reader = decoder.read_info()?;
    let mut buffer = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
    let info = reader.next_frame(&mut buffer)?;
    Ok(info.buffer_size())
}

fn decode_jpeg(bytes: &[u8]) -> Result<usize> {
    let mut decoder =
        zune_jpeg::JpegDecoder::new(zune_jpeg::zune_core::bytestream::ZCursor::new(bytes));
    Ok(decoder.decode().map_err(|e| format!("{e:?}"))?.len())
}

/// A real `side`×`side` RGB PNG with a blocky pattern (compressed with the fast deflate; an
/// 8000×8000 one stays under 10 MB, so that it passes the size check).
fn write_png(path: &Path, side: u32) -> Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    let mut stream = writer.stream_writer()?;
    let mut row = vec![0u8; side as usize * 3];
    for y in 0..side {
        for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
            let x = x as u32;
            pixel[0] = (x / 16) as u8 ^ (y / 16) as u8;
            pixel[1] = ((x + y) / 32) as u8;
            pixel[2] = (y / 32) as u8;
        }
        stream.write_all(&row)?;
    }
    stream.finish()?;
    Ok(())
}

/// A real JPEG of noisy pixels, close below `target` bytes; returns its dimensions.
fn write_noisy_jpeg(path: &Path, target: usize) -> Result<(u16, u16)> {
    // Noise at quality 90 costs about 3.3 bytes per pixel; adjust after each try.
    let mut pixels = target as f64 / 3.3;
    for _ in 0..4 {
        let width = ((pixels * 4.0 / 3.0).sqrt() as u16).clamp(400, 8000);
        let height = ((width as f64) * 3.0 / 4.0) as u16;
        let mut random = Rng::new(11);
        let mut data = vec![0u8; width as usize * height as usize * 3];
        for (i, value) in data.iter_mut().enumerate() {
            let x = (i / 3) % width as usize;
            *value = ((x / 8) as u8).wrapping_add((random.next_u64() % 96) as u8);
        }
        let mut encoded = Vec::new();
        jpeg_encoder::Encoder::new(&mut encoded, 90).encode(
            &data,
            width,
            height,
            jpeg_encoder::ColorType::Rgb,
        )?;
        let fits = encoded.len() <= target && encoded.len() as f64 >= target as f64 * 0.9;
        if fits || encoded.len() <= target && pixels >= 8000.0 * 6000.0 {
            std::fs::write(path, &encoded)?;
            return Ok((width, height));
        }
        pixels *= target as f64 * 0.96 / encoded.len() as f64;
    }
    Err("could not make a JPEG of the wanted size".into())
}
