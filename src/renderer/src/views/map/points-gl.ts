/**
 * The map's points drawn by WebGL: one buffer of positions, colours and styles, one draw call per frame, so
 * panning and zooming 100,000 points costs a uniform update. Style per point: 0 plain, 1 labelled (drawn larger
 * with a dark rim), 2 selected (a wide dark rim), 3 dimmed (outside a selection while one exists).
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
  fill = style == 3.0 ? vec4(color.rgb, 0.4) : color;
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

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`map shader: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

export class PointsRenderer {
  readonly #gl: WebGLRenderingContext;
  readonly #program: WebGLProgram;
  readonly #buffers: { position: WebGLBuffer; color: WebGLBuffer; style: WebGLBuffer };
  #count = 0;

  private constructor(gl: WebGLRenderingContext) {
    this.#gl = gl;
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, vertexShader));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, fragmentShader));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`map shaders: ${gl.getProgramInfoLog(program)}`);
    this.#program = program;
    this.#buffers = { position: gl.createBuffer()!, color: gl.createBuffer()!, style: gl.createBuffer()! };
  }

  /** A renderer on this canvas, or null where the browser offers no WebGL (the map then draws in 2-D). */
  static create(canvas: HTMLCanvasElement): PointsRenderer | null {
    const gl = canvas.getContext('webgl', { antialias: true, premultipliedAlpha: false });
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
  }

  /** One style per point (see pointStyle), in the same order. */
  setStyles(styles: Float32Array): void {
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.style);
    gl.bufferData(gl.ARRAY_BUFFER, styles, gl.DYNAMIC_DRAW);
  }

  draw(view: MapTransform, size: { width: number; height: number; ratio: number }, radius: number): void {
    const gl = this.#gl;
    gl.viewport(0, 0, Math.round(size.width * size.ratio), Math.round(size.height * size.ratio));
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.#count === 0) return;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(this.#program);
    const attribute = (name: string, buffer: WebGLBuffer, components: number, type: number, normalized: boolean) => {
      const location = gl.getAttribLocation(this.#program, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, components, type, normalized, 0, 0);
    };
    attribute('position', this.#buffers.position, 2, gl.FLOAT, false);
    attribute('color', this.#buffers.color, 4, gl.UNSIGNED_BYTE, true);
    attribute('style', this.#buffers.style, 1, gl.FLOAT, false);
    gl.uniform2f(gl.getUniformLocation(this.#program, 'viewport'), size.width, size.height);
    gl.uniform3f(gl.getUniformLocation(this.#program, 'transform'), view.scale, view.x, view.y);
    gl.uniform1f(gl.getUniformLocation(this.#program, 'radius'), radius);
    gl.uniform1f(gl.getUniformLocation(this.#program, 'ratio'), size.ratio);
    gl.drawArrays(gl.POINTS, 0, this.#count);
  }

  dispose(): void {
    const gl = this.#gl;
    Object.values(this.#buffers).forEach((b) => gl.deleteBuffer(b));
    gl.deleteProgram(this.#program);
  }
}

/** '#rrggbb' as four bytes, for the colour buffer. */
export function rgbaOf(hex: string): [number, number, number, number] {
  const value = Number.parseInt(hex.slice(1, 7), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255, 255];
}
