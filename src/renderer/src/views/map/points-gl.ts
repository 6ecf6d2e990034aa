/**
 * The map's points drawn by WebGL: one buffer of positions, colours and styles and one draw call. The points are
 * drawn into a picture twice the view's size (half a view beyond each edge); a pan only moves that picture, so
 * it costs one quad whatever the number of points, and the points are drawn again only when the view is zoomed,
 * moved past the picture's margin, or restyled. Style per point: 0 plain, 1 labelled (drawn larger with a dark
 * rim), 2 selected (a wide dark rim), 3 dimmed (outside a selection while one exists).
 */
export interface MapTransform {
  scale: number;
  x: number;
  y: number;
}

export const pointStyle = { plain: 0, labelled: 1, selected: 2, dimmed: 3 } as const;

const vertexShader = `
attribute vec2 position;
attribute vec4 color;
attribute float style;
uniform vec2 viewport;
uniform vec3 transform;
uniform float radius;
uniform float ratio;
varying vec4 fill;
varying float rim;
void main() {
  vec2 screen = position * transform.x + transform.yz;
  gl_Position = vec4(screen.x / viewport.x * 2.0 - 1.0, 1.0 - screen.y / viewport.y * 2.0, 0.0, 1.0);
  float size = radius * (style == 1.0 ? 1.6 : style == 2.0 ? 2.0 : 1.0);
  gl_PointSize = 2.0 * size * ratio;
  // Dimmed towards the map's white rather than made transparent: opaque points need no blending.
  fill = style == 3.0 ? vec4(mix(color.rgb, vec3(1.0), 0.6), 1.0) : color;
  rim = style == 1.0 ? 0.28 : style == 2.0 ? 0.45 : 0.0;
}`;

const fragmentShader = `
precision mediump float;
varying vec4 fill;
varying float rim;
void main() {
  float r = length(gl_PointCoord - vec2(0.5)) * 2.0;
  if (r > 1.0) discard;
  vec3 edge = vec3(0.12, 0.14, 0.16);
  gl_FragColor = r > 1.0 - rim ? vec4(edge, 1.0) : fill;
}`;

const quadVertexShader = `
attribute vec2 corner;
uniform vec2 shift;
varying vec2 uv;
void main() {
  uv = corner;
  // The picture spans twice the view, centred on where it was drawn; shift is the pan since, in view units.
  vec2 clip = (corner * 2.0 - 1.0) * 2.0 + vec2(shift.x, -shift.y) * 2.0;
  gl_Position = vec4(clip, 0.0, 1.0);
}`;

const quadFragmentShader = `
precision mediump float;
uniform sampler2D picture;
varying vec2 uv;
void main() {
  gl_FragColor = texture2D(picture, uv);
}`;

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`map shader: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

function link(gl: WebGLRenderingContext, vertex: string, fragment: string): WebGLProgram {
  const program = gl.createProgram()!;
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, vertex));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`map shaders: ${gl.getProgramInfoLog(program)}`);
  return program;
}

export class PointsRenderer {
  readonly #gl: WebGLRenderingContext;
  readonly #program: WebGLProgram;
  readonly #quadProgram: WebGLProgram;
  readonly #buffers: { position: WebGLBuffer; color: WebGLBuffer; style: WebGLBuffer; quad: WebGLBuffer };
  readonly #picture: { texture: WebGLTexture; framebuffer: WebGLFramebuffer };
  #count = 0;
  /** What the picture shows: the view and size it was drawn for; null once points or styles change. */
  #drawn: { view: MapTransform; width: number; height: number; ratio: number; radius: number } | null = null;

  private constructor(gl: WebGLRenderingContext) {
    this.#gl = gl;
    this.#program = link(gl, vertexShader, fragmentShader);
    this.#quadProgram = link(gl, quadVertexShader, quadFragmentShader);
    this.#buffers = { position: gl.createBuffer()!, color: gl.createBuffer()!, style: gl.createBuffer()!, quad: gl.createBuffer()! };
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    this.#picture = { texture: gl.createTexture()!, framebuffer: gl.createFramebuffer()! };
  }

  /** A renderer on this canvas, or null where the browser offers no WebGL (the map then draws in 2-D). */
  static create(canvas: HTMLCanvasElement): PointsRenderer | null {
    // No multisampling and no blending: a software renderer (SwiftShader, where there is no GPU) then draws
    // 100,000 points several times faster, and a point a few pixels wide loses little by it.
    const gl = canvas.getContext('webgl', { antialias: false, premultipliedAlpha: false, depth: false, stencil: false });
    return gl ? new PointsRenderer(gl) : null;
  }

  /** Positions (x, y per point, map units), colours (RGBA bytes per point); the draw order is theirs. */
  setPoints(positions: Float32Array, colors: Uint8Array): void {
    const gl = this.#gl;
    this.#count = positions.length / 2;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.position);
    gl.bufferData(gl.ARRAY_BUFFER, positions, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.bufferData(gl.ARRAY_BUFFER, colors, gl.STATIC_DRAW);
    this.#drawn = null;
  }

  /** One style per point (see pointStyle), in the same order. */
  setStyles(styles: Float32Array): void {
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.style);
    gl.bufferData(gl.ARRAY_BUFFER, styles, gl.DYNAMIC_DRAW);
    this.#drawn = null;
  }

  draw(view: MapTransform, size: { width: number; height: number; ratio: number }, radius: number): void {
    const gl = this.#gl;
    const drawn = this.#drawn;
    const shift = drawn ? { x: (view.x - drawn.view.x) / size.width, y: (view.y - drawn.view.y) / size.height } : null;
    const reusable =
      drawn !== null &&
      shift !== null &&
      drawn.view.scale === view.scale &&
      drawn.width === size.width &&
      drawn.height === size.height &&
      drawn.ratio === size.ratio &&
      drawn.radius === radius &&
      Math.abs(shift.x) <= 0.5 &&
      Math.abs(shift.y) <= 0.5;
    if (!reusable) this.#drawPicture(view, size, radius);
    const moved = reusable ? shift! : { x: 0, y: 0 };
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, Math.round(size.width * size.ratio), Math.round(size.height * size.ratio));
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.#quadProgram);
    this.#attribute(this.#quadProgram, 'corner', this.#buffers.quad, 2, gl.FLOAT, false);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.#picture.texture);
    gl.uniform1i(gl.getUniformLocation(this.#quadProgram, 'picture'), 0);
    gl.uniform2f(gl.getUniformLocation(this.#quadProgram, 'shift'), moved.x, moved.y);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  /** Draws every point into the picture: the view and half a view beyond each edge. */
  #drawPicture(view: MapTransform, size: { width: number; height: number; ratio: number }, radius: number): void {
    const gl = this.#gl;
    const [width, height] = [Math.round(2 * size.width * size.ratio), Math.round(2 * size.height * size.ratio)];
    gl.bindTexture(gl.TEXTURE_2D, this.#picture.texture);
    if (!this.#drawn || this.#drawn.width !== size.width || this.#drawn.height !== size.height || this.#drawn.ratio !== size.ratio) {
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      for (const [name, value] of [[gl.TEXTURE_MIN_FILTER, gl.NEAREST], [gl.TEXTURE_MAG_FILTER, gl.NEAREST], [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) {
        gl.texParameteri(gl.TEXTURE_2D, name, value);
      }
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.#picture.framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.#picture.texture, 0);
    gl.viewport(0, 0, width, height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    this.#drawn = { view, width: size.width, height: size.height, ratio: size.ratio, radius };
    if (this.#count === 0) return;
    gl.useProgram(this.#program);
    this.#attribute(this.#program, 'position', this.#buffers.position, 2, gl.FLOAT, false);
    this.#attribute(this.#program, 'color', this.#buffers.color, 4, gl.UNSIGNED_BYTE, true);
    this.#attribute(this.#program, 'style', this.#buffers.style, 1, gl.FLOAT, false);
    // The picture's own viewport: twice the view, with the view's origin half a view in from its corner.
    gl.uniform2f(gl.getUniformLocation(this.#program, 'viewport'), 2 * size.width, 2 * size.height);
    gl.uniform3f(gl.getUniformLocation(this.#program, 'transform'), view.scale, view.x + size.width / 2, view.y + size.height / 2);
    gl.uniform1f(gl.getUniformLocation(this.#program, 'radius'), radius);
    gl.uniform1f(gl.getUniformLocation(this.#program, 'ratio'), size.ratio);
    gl.drawArrays(gl.POINTS, 0, this.#count);
  }

  #attribute(program: WebGLProgram, name: string, buffer: WebGLBuffer, components: number, type: number, normalized: boolean): void {
    const gl = this.#gl;
    const location = gl.getAttribLocation(program, name);
    if (location < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.enableVertexAttribArray(location);
    gl.vertexAttribPointer(location, components, type, normalized, 0, 0);
  }

  dispose(): void {
    const gl = this.#gl;
    Object.values(this.#buffers).forEach((b) => gl.deleteBuffer(b));
    gl.deleteTexture(this.#picture.texture);
    gl.deleteFramebuffer(this.#picture.framebuffer);
    gl.deleteProgram(this.#program);
    gl.deleteProgram(this.#quadProgram);
  }
}

/** '#rrggbb' as four bytes, for the colour buffer. */
export function rgbaOf(hex: string): [number, number, number, number] {
  const value = Number.parseInt(hex.slice(1, 7), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255, 255];
}
