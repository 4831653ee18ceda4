// The CLI the tests spawn runs the built program: build it from the sources under test first.
// @ts-expect-error a plain .mjs script without types
import { build } from '../scripts/build.mjs';

export default function setup(): void {
  build();
}
