/** Charset sniffing for raw bytes: header, BOM, `<meta>` prescan; gb2312/gbk decode as GB18030 (snippet 03 §5). */
import iconv from 'iconv-lite';

export function sniffCharset(bytes: Buffer, contentType?: string | null): string {
  const m = /charset\s*=\s*["']?([\w-]+)/i.exec(contentType ?? '');
  let cs: string | null = m ? m[1]! : null;
  if (!cs) {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) cs = 'utf-8';
    else {
      const head = bytes.subarray(0, 4096).toString('latin1');
      const mm = /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head) ?? /<\?xml[^>]+encoding=["']([\w-]+)/i.exec(head);
      cs = mm ? mm[1]! : 'utf-8';
    }
  }
  if (/^(gb2312|gbk|x-gbk|gb_2312-80|euc-cn|cp936)$/i.test(cs)) cs = 'gb18030';
  return iconv.encodingExists(cs) ? cs.toLowerCase() : 'utf-8';
}

export function decodeBody(bytes: Buffer, contentType?: string | null): string {
  return iconv.decode(bytes, sniffCharset(bytes, contentType));
}
