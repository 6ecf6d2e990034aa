/**
 * The Python the tests check exports with: Debian's, with python3-onnx, python3-pil and python3-numpy (npm test's
 * pretest step installs them there); a pyenv or venv python3 first on PATH may lack them. SIMCLR_PYTHON overrides.
 */
export const systemPython = process.env.SIMCLR_PYTHON ?? '/usr/bin/python3';
