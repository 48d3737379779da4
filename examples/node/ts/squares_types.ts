// Messages between squares_main.ts and its workers.
export interface Task {
  id: number;
  n: number;
}

export interface Answer {
  id: number;
  square: number;
}
